import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitSchemaDefinitionFile } from 'type-graphql';
import { buildLedgerSchema } from './schema.js';

// dist/api/graphql -> repository root
const committed = fileURLToPath(new URL('../../../../schema/graphql/schema.graphql', import.meta.url));

test('the committed SDL is the schema built from the code (run `node gateway/dist/emit-schema.js`)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  try {
    const emitted = join(dir, 'schema.graphql');
    await emitSchemaDefinitionFile(emitted, await buildLedgerSchema());
    assert.equal(readFileSync(committed, 'utf8'), readFileSync(emitted, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
