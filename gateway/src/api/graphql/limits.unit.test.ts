import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { buildLedgerSchema } from './schema.js';
import { limitedParseOptions, maxFieldsRule, OPERATION_LIMITS, operationLimitRules } from './limits.js';

describe('operation limits', () => {
  const messagesOf = async (query: string, rules = operationLimitRules()) =>
    validate(await buildLedgerSchema(), parse(query), [...specifiedRules, ...rules]).map((error) => error.message);

  test("the playground's introspection query passes every limit", async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    assert.doesNotThrow(() => parse(query, limitedParseOptions));
    assert.deepEqual(await messagesOf(query), []);
  });

  test('aliases: at most 15 per operation, counted through fragments', async () => {
    const aliases = (count: number) => Array.from({ length: count }, (_, i) => `a${i}: id`).join(' ');
    assert.deepEqual(await messagesOf(`{ account(id: "x") { ${aliases(15)} } }`), []);
    assert.deepEqual(await messagesOf(`{ account(id: "x") { ${aliases(16)} } }`), [
      'too many aliases: at most 15 per operation',
    ]);
    const viaFragment = `{ account(id: "x") { ...F b: owner } } fragment F on Account { ${aliases(15)} }`;
    assert.equal((await messagesOf(viaFragment)).length, 1);
  });

  test('fields: each fragment counted once per spread, cycles left to graphql', async () => {
    const schema = await buildLedgerSchema();
    const count = (query: string, max: number) =>
      validate(schema, parse(query), [maxFieldsRule(max)]).map((error) => error.message);
    const query = '{ account(id: "x") { ...F owner: id } } fragment F on Account { id balance version }';
    assert.deepEqual(count(query, 5), []); // account, id, balance, version, owner
    assert.deepEqual(count(query, 4), ['too many fields: the operation selects more than 4']);
    // Each fragment spreads the next one twice, 30 deep: 2^31 fields in a short document, refused at once.
    const fragments = Array.from(
      { length: 30 },
      (_, i) => `fragment G${i} on Account { ...G${i + 1} ...G${i + 1} id }`,
    );
    const wide = `{ account(id: "x") { ...G0 } } ${fragments.join(' ')} fragment G30 on Account { id }`;
    const started = performance.now();
    assert.deepEqual(count(wide, OPERATION_LIMITS.maxFields), [
      `too many fields: the operation selects more than ${OPERATION_LIMITS.maxFields}`,
    ]);
    assert.ok(performance.now() - started < 1_000);
    // A cycle is graphql's own error (NoFragmentCycles), not a hang here.
    const cyclic = '{ account(id: "x") { ...A } } fragment A on Account { id ...B } fragment B on Account { ...A }';
    assert.deepEqual(count(cyclic, 10), []);
  });

  test('the parser stops past the token limit', () => {
    const fields = Array.from({ length: OPERATION_LIMITS.maxTokens }, () => 'id').join(' ');
    assert.throws(() => parse(`{ ${fields} }`, limitedParseOptions), /tokens/);
  });
});
