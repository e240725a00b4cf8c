import { after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineReadModelContract } from '../../ports/read-model.contract.js';
import { createSqliteReadModel } from './read-model.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let count = 0;
defineReadModelContract('sqlite', async ({ partitions }) =>
  createSqliteReadModel({ path: path.join(dir, `read-${++count}.db`), partitions }),
);
