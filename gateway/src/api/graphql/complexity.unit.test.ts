import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { buildLedgerSchema } from './schema.js';
import { complexityOf, costDependsOnVariables, MAX_COMPLEXITY, operationCost } from './complexity.js';

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

  test('a cost that cannot change with the variables is computed once per document; one that can, every time', async () => {
    const schema = await buildLedgerSchema();
    const fixed = parse(
      'query($id: ID!) { account(id: $id) { id transactions(first: 100) { edges { node { id } } } } }',
    );
    const paged = parse(
      'query($n: Int!) { accounts(first: $n) { edges { node { transactions(first: $n) { edges { node { id } } } } } } }',
    );
    const skipped = parse(
      'query($all: Boolean!) { accounts(first: 100) @include(if: $all) { edges { node { id } } } }',
    );
    assert.equal(costDependsOnVariables(fixed), false);
    assert.equal(costDependsOnVariables(paged), true);
    assert.equal(costDependsOnVariables(skipped), true);
    assert.equal(operationCost(schema, fixed, { id: 'a' }, undefined), complexityOf(schema, fixed, { id: 'a' }));
    assert.equal(operationCost(schema, fixed, { id: 'b' }, undefined), complexityOf(schema, fixed, { id: 'b' }));
    // The same parsed document, first small then nested pages of 100: the second must be refused.
    assert.ok(operationCost(schema, paged, { n: 5 }, undefined) < MAX_COMPLEXITY);
    assert.ok(operationCost(schema, paged, { n: 100 }, undefined) > MAX_COMPLEXITY);
    assert.ok(
      operationCost(schema, skipped, { all: true }, undefined) >
        operationCost(schema, skipped, { all: false }, undefined),
    );
  });
});
