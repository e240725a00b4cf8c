// The commit thread of a SQLite read model (see SqliteReadModelOptions.commitThread): it has a
// connection of its own and runs each turn's live commits in one transaction, the WAL checkpoint
// after a rebuild's bulk commits, and the purge of a dropped generation's rows, a chunk at a time.
import { serveRequests } from '@ledger/platform/core';
import { openSqliteReadModel } from './read-model.js';
import type { CommitAnswer, CommitRequest, SqliteReadModelOptions } from './read-model.js';

serveRequests<SqliteReadModelOptions, CommitRequest, CommitAnswer>((options) => {
  const { readModel, answer } = openSqliteReadModel(options, { committer: true });
  return {
    answer,
    close: () => readModel.close(),
  };
});
