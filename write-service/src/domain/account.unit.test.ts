import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalStateError, MAX_MONEY, NotFoundError, ValidationError } from '@ledger/platform';
import type { AccountEvent } from '@ledger/schema';
import { accountDecider, decodeAccountState, encodeAccountState } from './account.js';
import { evolveAll } from './decider.js';
import { deciderSpec } from '../testing/decider-spec.js';

const { given } = deciderSpec(accountDecider);
const tx = 'tx-1';
// A plain deposit or withdrawal: no other account.
const move = { transactionId: tx, kind: 'DEPOSIT', counterparty: null } as const;
const opened: AccountEvent = { type: 'AccountOpened', data: { owner: 'Ada' } };
const deposited = (amount: bigint, balance: bigint): AccountEvent => ({
  type: 'MoneyDeposited',
  data: { amount: String(amount), balance: String(balance), ...move },
});
const closed: AccountEvent = { type: 'AccountClosed', data: {} };

describe('account decider', () => {
  test('opens with a trimmed owner', () => {
    given([]).when({ type: 'Open', owner: '  Ada ' }).then([opened]);
  });

  test('refuses an empty or overlong owner', () => {
    given([]).when({ type: 'Open', owner: '   ' }).then(ValidationError, /owner/);
    given([])
      .when({ type: 'Open', owner: 'x'.repeat(201) })
      .then(ValidationError, /200/);
  });

  test('refuses to open twice, even once closed', () => {
    given([opened])
      .when({ type: 'Open', owner: 'Bob' })
      .then(IllegalStateError, /already exists/);
    given([opened, closed]).when({ type: 'Open', owner: 'Bob' }).then(IllegalStateError);
  });

  test('deposit records the amount and the balance after it', () => {
    given([opened, deposited(50n, 50n)])
      .when({ type: 'Deposit', amount: 25n, ...move })
      .then([deposited(25n, 75n)]);
  });

  test('a refund deposit is marked', () => {
    given([opened])
      .when({ type: 'Deposit', amount: 5n, transactionId: tx, kind: 'TRANSFER', counterparty: 'acc-2', refund: true })
      .then([
        {
          type: 'MoneyDeposited',
          data: { amount: '5', balance: '5', transactionId: tx, kind: 'TRANSFER', counterparty: 'acc-2', refund: true },
        },
      ]);
  });

  test('withdraw lowers the balance', () => {
    given([opened, deposited(50n, 50n)])
      .when({ type: 'Withdraw', amount: 50n, transactionId: tx, kind: 'WITHDRAWAL', counterparty: null })
      .then([
        {
          type: 'MoneyWithdrawn',
          data: { amount: '50', balance: '0', transactionId: tx, kind: 'WITHDRAWAL', counterparty: null },
        },
      ]);
  });

  test('refuses an overdraft with the balance and amount in the message', () => {
    given([opened, deposited(50n, 50n)])
      .when({ type: 'Withdraw', amount: 51n, ...move })
      .then(IllegalStateError, /^insufficient funds: balance 50, amount 51$/);
  });

  test('refuses a balance past 2^63-1', () => {
    given([opened, deposited(MAX_MONEY, MAX_MONEY)])
      .when({ type: 'Deposit', amount: 1n, ...move })
      .then(IllegalStateError, /overflow/);
  });

  test('refuses non-positive or oversized amounts', () => {
    for (const amount of [0n, -1n, MAX_MONEY + 1n]) {
      given([opened])
        .when({ type: 'Deposit', amount, ...move })
        .then(ValidationError);
      given([opened])
        .when({ type: 'Withdraw', amount, ...move })
        .then(ValidationError);
    }
  });

  test('an unknown account is not found', () => {
    given([])
      .when({ type: 'Deposit', amount: 1n, ...move })
      .then(NotFoundError);
    given([])
      .when({ type: 'Withdraw', amount: 1n, ...move })
      .then(NotFoundError);
    given([]).when({ type: 'ChangeOwner', owner: 'Bob' }).then(NotFoundError);
    given([]).when({ type: 'Close' }).then(NotFoundError);
  });

  test('a closed account moves no money', () => {
    given([opened, closed])
      .when({ type: 'Deposit', amount: 1n, ...move })
      .then(IllegalStateError, /closed/);
    given([opened, closed])
      .when({ type: 'Withdraw', amount: 1n, ...move })
      .then(IllegalStateError);
    given([opened, closed]).when({ type: 'Close' }).then(IllegalStateError);
  });

  test('changes owner', () => {
    given([opened])
      .when({ type: 'ChangeOwner', owner: 'Bob' })
      .then([{ type: 'OwnerChanged', data: { owner: 'Bob' } }]);
    given([opened]).when({ type: 'ChangeOwner', owner: '' }).then(ValidationError);
  });

  test('closes only at a zero balance', () => {
    given([opened]).when({ type: 'Close' }).then([closed]);
    given([opened, deposited(1n, 1n)])
      .when({ type: 'Close' })
      .then(IllegalStateError, /balance 1/);
  });

  test('evolve tracks status, owner, balance and version; snapshots round-trip', () => {
    const state = evolveAll(accountDecider, [opened, deposited(MAX_MONEY, MAX_MONEY)]);
    assert.deepEqual(state, { status: 'OPEN', owner: 'Ada', balance: MAX_MONEY, version: 2 });
    assert.deepEqual(decodeAccountState(encodeAccountState(state)), state);
  });
});
