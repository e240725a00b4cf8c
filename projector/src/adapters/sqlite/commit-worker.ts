// The commit thread of a SQLite read model (see SqliteReadModelOptions.commitThread): it has a
// connection of its own and runs each turn's live commits in one transaction.
import { encodeOutcomes, serveRequests } from '@ledger/platform/core';
import type { EncodedOutcome } from '@ledger/platform/core';
import type { CommitResult } from '../../ports/read-model.js';
import { openSqliteReadModel } from './read-model.js';
import type { LiveCommit, SqliteReadModelOptions } from './read-model.js';

serveRequests<SqliteReadModelOptions, readonly LiveCommit[], EncodedOutcome<CommitResult>[]>((options) => {
  const { readModel, commitTurn } = openSqliteReadModel(options, { committer: true });
  return {
    answer: (items) => encodeOutcomes(commitTurn(items)),
    close: () => readModel.close(),
  };
});
