import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  AccountDocument,
  AccountsDocument,
  ChangeOwnerDocument,
  CloseAccountDocument,
  DepositDocument,
  LedgerClientError,
  OpenAccountDocument,
  TransferDocument,
  WithdrawDocument,
} from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

describe('closing an account and changing its owner (GraphQL, typed client)', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem();
  });
  after(async () => {
    await ledger.dispose();
  });

  const open = async (owner: string, amount?: string): Promise<string> => {
    const id = (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id;
    if (amount) await ledger.client.request(DepositDocument, { accountId: id, amount });
    return id;
  };
  const balance = async (id: string) => (await ledger.client.request(AccountDocument, { id })).account!.balance;
  /** Runs `operation`, expects a GraphQL error with `code`, and checks that nothing was written. */
  const refused = async (code: string, operation: () => Promise<unknown>): Promise<void> => {
    const head = await ledger.storeHead();
    await assert.rejects(operation, (error: unknown) => {
      assert.ok(error instanceof LedgerClientError, String(error));
      assert.equal(error.code, code, error.message);
      return true;
    });
    assert.equal(await ledger.storeHead(), head, 'a refused command wrote nothing');
  };

  test('changeOwner renames the account, and the listing by owner follows', async () => {
    const owner = `owner-${randomUUID().slice(0, 8)}`;
    const id = await open(owner, '40');
    const renamed = await ledger.client.request(ChangeOwnerDocument, { accountId: id, owner: `  ${owner}-new ` });
    assert.equal(renamed.changeOwner.owner, `${owner}-new`);
    assert.equal(renamed.changeOwner.balance, '40');
    const listed = await ledger.client.request(AccountsDocument, { owner: `${owner}-new` });
    assert.deepEqual(
      listed.accounts.edges.map((edge) => edge.node.id),
      [id],
    );
    assert.equal((await ledger.client.request(AccountsDocument, { owner })).accounts.totalCount, 0);

    await refused('BAD_USER_INPUT', () => ledger.client.request(ChangeOwnerDocument, { accountId: id, owner: ' ' }));
    await refused('BAD_USER_INPUT', () =>
      ledger.client.request(ChangeOwnerDocument, { accountId: 'nope', owner: 'x' }),
    );
    await refused('NOT_FOUND', () =>
      ledger.client.request(ChangeOwnerDocument, { accountId: randomUUID(), owner: 'x' }),
    );
  });

  test('closing needs a zero balance; a closed account refuses money in and out, and a new owner', async () => {
    const id = await open('closing', '25');
    const sender = await open('sender', '100');
    await refused('FAILED_PRECONDITION', () => ledger.client.request(CloseAccountDocument, { accountId: id }));
    await refused('NOT_FOUND', () => ledger.client.request(CloseAccountDocument, { accountId: randomUUID() }));
    await refused('BAD_USER_INPUT', () => ledger.client.request(CloseAccountDocument, { accountId: '1' }));

    await ledger.client.request(WithdrawDocument, { accountId: id, amount: '25' });
    const closed = await ledger.client.request(CloseAccountDocument, { accountId: id });
    assert.equal(closed.closeAccount.status, 'CLOSED');
    assert.equal(closed.closeAccount.balance, '0');
    assert.equal((await ledger.client.request(AccountDocument, { id })).account!.status, 'CLOSED');

    await refused('FAILED_PRECONDITION', () => ledger.client.request(CloseAccountDocument, { accountId: id }));
    await refused('FAILED_PRECONDITION', () =>
      ledger.client.request(ChangeOwnerDocument, { accountId: id, owner: 'someone' }),
    );

    const deposit = await ledger.client.request(DepositDocument, { accountId: id, amount: '5' });
    assert.equal(deposit.deposit.status, 'FAILED');
    assert.match(deposit.deposit.failureReason!, /closed/);
    const transfer = await ledger.client.request(TransferDocument, { from: sender, to: id, amount: '30' });
    assert.equal(transfer.transfer.status, 'FAILED');
    assert.match(transfer.transfer.failureReason!, /closed; amount refunded/);
    const withdrawal = await ledger.client.request(WithdrawDocument, { accountId: id, amount: '1' });
    assert.equal(withdrawal.withdraw.status, 'FAILED');
    assert.equal(await balance(id), '0');
    assert.equal(await balance(sender), '100');
  });
});
