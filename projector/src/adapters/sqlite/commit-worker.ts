// The commit thread of a SQLite read model (see SqliteReadModelOptions.commitThread): it has a
// connection of its own and runs each turn's live commits in one transaction, and the WAL
// checkpoint after a rebuild's bulk commit.
import { encodeOutcomes, serveRequests } from '@ledger/platform/core';
import { openSqliteReadModel } from './read-model.js';
import type { CommitAnswer, CommitRequest, SqliteReadModelOptions } from './read-model.js';

serveRequests<SqliteReadModelOptions, CommitRequest, CommitAnswer>((options) => {
  const { readModel, answer } = openSqliteReadModel(options, { committer: true });
  return {
    answer: (request) => encodeOutcomes(answer(request)),
    close: () => readModel.close(),
  };
});
