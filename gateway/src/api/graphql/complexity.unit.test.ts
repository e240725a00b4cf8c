import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { buildLedgerSchema } from './schema.js';
import { complexityOf, MAX_COMPLEXITY } from './complexity.js';

describe('query complexity', () => {
  test('pages cost their size; nested pages multiply; variables count', async () => {
    const schema = await buildLedgerSchema();
    const cost = (query: string, variables?: Record<string, unknown>) => complexityOf(schema, parse(query), variables);
    assert.ok(cost('{ account(id: "x") { id balance } }') < 10);
    const small = cost('{ accounts(first: 10) { edges { node { id } } } }');
    const large = cost('{ accounts(first: 100) { edges { node { id } } } }');
    assert.ok(large > 9 * small, `${large} vs ${small}`);
    assert.ok(large <= MAX_COMPLEXITY);
    const nested =
      'query($n: Int!) { accounts(first: $n) { edges { node { transactions(first: $n) { edges { node { id } } } } } } }';
    assert.ok(cost(nested, { n: 100 }) > MAX_COMPLEXITY);
    assert.ok(cost(nested, { n: 5 }) < MAX_COMPLEXITY);
  });
});
