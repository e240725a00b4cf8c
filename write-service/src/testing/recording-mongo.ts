import { MongoError, MongoErrorLabel, MongoServerError } from 'mongodb';
import type { ClientSession, MongoClient } from 'mongodb';
import type { AppendCollections } from '../adapters/mongo/append.js';

/** One collection call as the fake saw it. */
export interface RecordedOperation {
  readonly collection: string;
  readonly operation: string;
  /** The session passed in the call's options (undefined: none). */
  readonly session: unknown;
  /** The transaction run the fake was in when the call came (undefined: outside any). */
  readonly run: number | undefined;
}

type Documents = Map<string, Map<unknown, Record<string, unknown>>>;

/**
 * A recording stand-in for the four collections an append touches and for the session that runs
 * its transaction. Each transaction run works on a copy of the committed documents, published only
 * when the callback returns. `withTransaction` follows the driver's loop (mongodb
 * lib/sessions.js, steps 7.x): an error labelled TransientTransactionError runs the callback again,
 * any other error aborts the transaction and reaches the caller. Unique keys answer as the server
 * does (code 11000). Tests inject a failure for the next call of an operation, and may commit
 * "another process's" change first.
 */
export interface RecordingMongo {
  readonly client: Pick<MongoClient, 'withSession'>;
  readonly collections: AppendCollections;
  readonly operations: RecordedOperation[];
  /** Sessions handed out, in order. */
  readonly sessions: unknown[];
  /** Fails the next `collection.operation` call with `error`, after running `meanwhile` on the committed state. */
  failNext(
    collection: string,
    operation: string,
    error: Error,
    meanwhile?: (committed: (name: string) => Map<unknown, Record<string, unknown>>) => void,
  ): void;
  /** Committed documents of a collection. */
  committed(name: string): Map<unknown, Record<string, unknown>>;
}

// As the server raises them (code, codeName, errorLabels).
export const writeConflict = (): MongoServerError =>
  new MongoServerError({
    ok: 0,
    errmsg:
      'WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.',
    code: 112,
    codeName: 'WriteConflict',
    errorLabels: [MongoErrorLabel.TransientTransactionError],
  });

const duplicateKey = (collection: string, key: string): MongoServerError =>
  new MongoServerError({
    ok: 0,
    errmsg: `E11000 duplicate key error collection: ledger.${collection} index: ${key} dup key`,
    code: 11000,
    codeName: 'DuplicateKey',
  });

export function createRecordingMongo(): RecordingMongo {
  let state: Documents = new Map();
  const table = (documents: Documents, name: string) => {
    if (!documents.has(name)) documents.set(name, new Map());
    return documents.get(name)!;
  };
  const operations: RecordedOperation[] = [];
  const sessions: unknown[] = [];
  const failures: Array<{ key: string; error: Error; meanwhile?: Parameters<RecordingMongo['failNext']>[3] }> = [];
  let transaction: { session: unknown; run: number; staged: Documents } | undefined;
  let runs = 0;

  const matches = (document: Record<string, unknown>, filter: Record<string, unknown>) =>
    Object.entries(filter).every(([field, value]) => document[field] === value);

  const collection = (name: string, uniqueKeys: ReadonlyArray<readonly string[]> = []) => {
    const call = async <T>(
      operation: string,
      options: { session?: unknown } | undefined,
      run: (docs: Documents) => T,
    ) => {
      operations.push({ collection: name, operation, session: options?.session, run: transaction?.run });
      await new Promise((resolve) => setImmediate(resolve));
      const failure = failures.findIndex((f) => f.key === `${name}.${operation}`);
      if (failure >= 0) {
        const [{ error, meanwhile }] = failures.splice(failure, 1) as [(typeof failures)[number]];
        meanwhile?.((other) => table(state, other));
        throw error;
      }
      // Inside the transaction only with its session: an operation without it would bypass it.
      const inTransaction = transaction !== undefined && options?.session === transaction.session;
      return run(inTransaction ? transaction!.staged : state);
    };
    const insert = (docs: Documents, document: Record<string, unknown>) => {
      const rows = table(docs, name);
      if (rows.has(document._id)) throw duplicateKey(name, '_id_');
      for (const key of uniqueKeys) {
        if ([...rows.values()].some((row) => key.every((field) => row[field] === document[field]))) {
          throw duplicateKey(name, key.join('_'));
        }
      }
      rows.set(document._id, structuredClone(document));
    };
    return {
      findOne: (filter: Record<string, unknown>, options?: { session?: unknown }) =>
        call('findOne', options, (docs) => {
          const found = [...table(docs, name).values()].find((document) => matches(document, filter));
          return found ? structuredClone(found) : null;
        }),
      updateOne: (
        filter: Record<string, unknown>,
        update: { $set: Record<string, unknown> },
        options?: { session?: unknown },
      ) =>
        call('updateOne', options, (docs) => {
          const found = [...table(docs, name).values()].find((document) => matches(document, filter));
          if (found) Object.assign(found, update.$set);
          return { matchedCount: found ? 1 : 0, modifiedCount: found ? 1 : 0 };
        }),
      insertOne: (document: Record<string, unknown>, options?: { session?: unknown }) =>
        call('insertOne', options, (docs) => {
          insert(docs, document);
          return { acknowledged: true, insertedId: document._id };
        }),
      insertMany: (documents: Array<Record<string, unknown>>, options?: { session?: unknown }) =>
        call('insertMany', options, (docs) => {
          for (const document of documents) insert(docs, document);
          return { acknowledged: true, insertedCount: documents.length };
        }),
    };
  };

  const newSession = () => {
    const session = {
      id: sessions.length + 1,
      async withTransaction<T>(callback: (session: ClientSession) => Promise<T>): Promise<T> {
        for (;;) {
          transaction = { session, run: ++runs, staged: structuredClone(state) };
          try {
            const result = await callback(session as unknown as ClientSession);
            state = transaction.staged;
            return result;
          } catch (error) {
            if (error instanceof MongoError && error.hasErrorLabel(MongoErrorLabel.TransientTransactionError)) continue;
            throw error;
          } finally {
            transaction = undefined;
          }
        }
      },
    };
    sessions.push(session);
    return session;
  };

  const client = {
    withSession: <T>(callback: (session: ClientSession) => Promise<T>) =>
      callback(newSession() as unknown as ClientSession),
  } as unknown as Pick<MongoClient, 'withSession'>;

  return {
    client,
    collections: {
      events: collection('events', [
        ['aggregateId', 'version'],
        ['partition', 'sequence'],
      ]),
      partitions: collection('partitions'),
      aggregates: collection('aggregates'),
      idempotency: collection('idempotency'),
    } as unknown as AppendCollections,
    operations,
    sessions,
    failNext(name, operation, error, meanwhile) {
      failures.push({ key: `${name}.${operation}`, error, ...(meanwhile ? { meanwhile } : {}) });
    },
    committed: (name) => table(state, name),
  };
}
