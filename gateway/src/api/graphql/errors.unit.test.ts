import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApolloServer } from '@apollo/server';
import { locatedError } from 'graphql';
import type { GraphQLError } from 'graphql';
import {
  ConcurrencyError,
  IdempotencyMismatchError,
  IllegalStateError,
  NotFoundError,
  silentLogger,
  UnavailableError,
  ValidationError,
} from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import type { GatewayContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import { buildLedgerSchema } from './schema.js';

function recordingLogger(): { logger: Logger; logged: unknown[] } {
  const logged: unknown[] = [];
  const logger = silentLogger();
  logger.error = ((entry: unknown) => logged.push(entry)) as Logger['error'];
  return { logger, logged };
}

/** An error as graphql-js reports one thrown by a resolver. */
const fromResolver = (error: Error): GraphQLError => locatedError(error, undefined, ['deposit']);

describe('GraphQL error mapping', () => {
  test('LedgerErrors a client may see keep their message and get a stable code', () => {
    const { logger, logged } = recordingLogger();
    const format = createErrorFormatter(logger);
    const cases: Array<[Error, string]> = [
      [new ValidationError('amount must be positive'), 'BAD_USER_INPUT'],
      [new IdempotencyMismatchError('k1'), 'BAD_USER_INPUT'],
      [new NotFoundError('account x not found'), 'NOT_FOUND'],
      [new IllegalStateError('account is closed'), 'FAILED_PRECONDITION'],
      [new UnavailableError('write service unavailable'), 'SERVICE_UNAVAILABLE'],
    ];
    for (const [error, code] of cases) {
      const wrapped = fromResolver(error);
      const formatted = format(wrapped.toJSON(), wrapped);
      assert.equal(formatted.extensions?.code, code);
      assert.equal(formatted.message, error.message);
      assert.deepEqual(formatted.path, ['deposit']);
    }
    assert.equal(logged.length, 0);
  });

  test('any other error is masked and logged', () => {
    const { logger, logged } = recordingLogger();
    const format = createErrorFormatter(logger);
    for (const error of [
      new ConcurrencyError('a', 1, 2),
      new Error('unexpected state'),
      new TypeError('SQLITE_BUSY: database /secret/path is locked'),
    ]) {
      const wrapped = fromResolver(error);
      const formatted = format(wrapped.toJSON(), wrapped);
      assert.equal(formatted.extensions?.code, 'INTERNAL_SERVER_ERROR');
      assert.equal(formatted.message, 'Internal server error');
      assert.doesNotMatch(JSON.stringify(formatted), /secret|SQLITE|state/);
    }
    assert.equal(logged.length, 3);
  });

  describe('through Apollo with the Ledger schema', async () => {
    const { logger } = recordingLogger();
    const apollo = new ApolloServer<GatewayContext>({
      schema: await buildLedgerSchema(),
      formatError: createErrorFormatter(logger),
      includeStacktraceInErrorResponses: false,
    });
    const codeOf = async (query: string, variables?: Record<string, unknown>) => {
      const response = await apollo.executeOperation({ query, variables }, { contextValue: {} as GatewayContext });
      assert.equal(response.body.kind, 'single');
      const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
      assert.ok(errors?.length, 'an error is expected');
      return errors[0]!.extensions?.code;
    };
    const id = '0b6f8b8e-1d1c-4e43-9a43-2f7a0d1f5c11';

    test('bad Money in a literal or a variable is BAD_USER_INPUT', async () => {
      for (const amount of ['1.5', '"1.5"', '"12abc"', '9223372036854775808', 'true']) {
        assert.equal(
          await codeOf(`mutation { deposit(accountId: "${id}", amount: ${amount}) { id } }`),
          'BAD_USER_INPUT',
          amount,
        );
      }
      const query = 'mutation($amount: Money!) { deposit(accountId: "' + id + '", amount: $amount) { id } }';
      for (const amount of [1.5, '1.5', '', 1e30, '9223372036854775808', true, null]) {
        assert.equal(await codeOf(query, { amount }), 'BAD_USER_INPUT', String(amount));
      }
    });

    test("GraphQL's own errors keep their codes", async () => {
      assert.equal(await codeOf('{ account(id: "x") { id '), 'GRAPHQL_PARSE_FAILED');
      assert.equal(await codeOf('{ account(id: "x") { nope } }'), 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(await codeOf('{ accounts(first: "ten") { totalCount } }'), 'GRAPHQL_VALIDATION_FAILED');
    });
  });
});
