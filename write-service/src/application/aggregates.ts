import { ACCOUNT, TRANSACTION } from '@ledger/schema';
import type { AccountEvent, TransactionEvent } from '@ledger/schema';
import { accountDecider, decodeAccountState, encodeAccountState } from '../domain/account.js';
import type { AccountCommand, AccountState } from '../domain/account.js';
import type { Decider } from '../domain/decider.js';
import { decodeTransactionState, encodeTransactionState, transactionDecider } from '../domain/transaction.js';
import type { TransactionCommand, TransactionState } from '../domain/transaction.js';

/** A decider with what the store needs around it: its aggregate type and a snapshot codec. */
export interface Aggregate<Command, State, Event> {
  readonly type: string;
  readonly decider: Decider<Command, State, Event>;
  readonly encodeState: (state: State) => string;
  readonly decodeState: (text: string) => State;
}

export const accountAggregate: Aggregate<AccountCommand, AccountState, AccountEvent> = {
  type: ACCOUNT,
  decider: accountDecider,
  encodeState: encodeAccountState,
  decodeState: decodeAccountState,
};

export const transactionAggregate: Aggregate<TransactionCommand, TransactionState, TransactionEvent> = {
  type: TRANSACTION,
  decider: transactionDecider,
  encodeState: encodeTransactionState,
  decodeState: decodeTransactionState,
};
