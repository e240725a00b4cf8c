// Writes the SDL of the code's schema to schema/graphql/schema.graphql (or the path given):
// `node gateway/dist/emit-schema.js [path]`. schema-drift.unit.test.ts checks the committed file
// against the code; run `node scripts/generate.mjs` afterwards to refresh the typed client.
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { emitSchemaDefinitionFile } from 'type-graphql';
import { buildLedgerSchema } from './api/graphql/schema.js';

const target = process.argv[2] ?? fileURLToPath(new URL('../../schema/graphql/schema.graphql', import.meta.url));
await emitSchemaDefinitionFile(target, await buildLedgerSchema());
console.log(`GraphQL SDL written to ${target}`);
