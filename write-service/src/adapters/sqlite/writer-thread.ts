import { Worker } from 'node:worker_threads';
import { ConcurrencyError, UnavailableError } from '@ledger/platform';
import type { Outcome } from '@ledger/platform';
import type { WriteBatch, WriteOutcomes, WriterOptions } from './writer.js';

/** An error as it crosses between threads (structured clone keeps only name and message of an Error). */
export type ThreadError =
  | { readonly kind: 'concurrency'; readonly aggregateId: string; readonly expected: number; readonly actual: number }
  | { readonly kind: 'error'; readonly name: string; readonly message: string; readonly code?: string };

export function encodeError(error: unknown): ThreadError {
  if (error instanceof ConcurrencyError) {
    return { kind: 'concurrency', aggregateId: error.aggregateId, expected: error.expected, actual: error.actual };
  }
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  return {
    kind: 'error',
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function decodeError(error: ThreadError): Error {
  if (error.kind === 'concurrency') return new ConcurrencyError(error.aggregateId, error.expected, error.actual);
  return Object.assign(new Error(error.message), { name: error.name, ...(error.code ? { code: error.code } : {}) });
}

type Encoded<Result> = { readonly result: Result } | { readonly error: ThreadError };
export type EncodedOutcomes = { readonly [Part in keyof WriteOutcomes]: Encoded<ResultOf<WriteOutcomes[Part]>>[] };
type ResultOf<Outcomes> = Outcomes extends Outcome<infer Result>[] ? Result : never;

const encodePart = <Result>(outcomes: readonly Outcome<Result>[]): Encoded<Result>[] =>
  outcomes.map((outcome) => ('error' in outcome ? { error: encodeError(outcome.error) } : outcome));
const decodePart = <Result>(outcomes: readonly Encoded<Result>[]): Outcome<Result>[] =>
  outcomes.map((outcome) => ('error' in outcome ? { error: decodeError(outcome.error) } : outcome));

export const encodeOutcomes = (outcomes: WriteOutcomes): EncodedOutcomes => ({
  appends: encodePart(outcomes.appends),
  snapshots: encodePart(outcomes.snapshots),
  checkpoints: encodePart(outcomes.checkpoints),
});
const decodeOutcomes = (outcomes: EncodedOutcomes): WriteOutcomes => ({
  appends: decodePart(outcomes.appends),
  snapshots: decodePart(outcomes.snapshots),
  checkpoints: decodePart(outcomes.checkpoints),
});

export type WriterRequest = { readonly id: number; readonly batch: WriteBatch };
export type WriterReply =
  { readonly id: number; readonly outcomes: EncodedOutcomes } | { readonly id: number; readonly failed: ThreadError };

export interface WriterThread {
  write(batch: WriteBatch): Promise<WriteOutcomes>;
  close(): Promise<void>;
}

/**
 * The store's writes on a thread of their own: the commit and its fsync never hold up the event loop,
 * which meanwhile gathers the next batch. The thread has the store's write connections; the caller
 * keeps its own connection for reads, which see a batch once its commit (and sync) is done.
 */
export function startWriterThread(options: WriterOptions): WriterThread {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve(outcomes: WriteOutcomes): void; reject(error: unknown): void }>();
  const failAll = (error: unknown): void => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(new URL('./writer-worker.js', import.meta.url), { workerData: options });
    started.unref();
    started.on('message', (message: string) => {
      const reply = JSON.parse(message) as WriterReply;
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (!waiting) return;
      if ('failed' in reply) waiting.reject(decodeError(reply.failed));
      else waiting.resolve(decodeOutcomes(reply.outcomes));
    });
    started.on('error', (error) => failAll(new UnavailableError(`the store's writer thread failed: ${error.message}`)));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      if (pending.size > 0) failAll(new UnavailableError(`the store's writer thread exited (${code})`));
    });
    return started;
  };
  return {
    write(batch) {
      worker ??= start();
      const id = nextId++;
      const done = new Promise<WriteOutcomes>((resolve, reject) => pending.set(id, { resolve, reject }));
      // The thread keeps the process alive only while it has work: an idle store does not.
      if (pending.size === 1) worker.ref();
      // As JSON text: cheaper to copy across than the structured clone of many small objects.
      worker.postMessage(JSON.stringify({ id, batch } satisfies WriterRequest));
      return done;
    },
    /** Ends the thread once it has answered every batch; its connections close. */
    async close() {
      const closing = worker;
      worker = undefined;
      if (!closing) return;
      const exited = new Promise((resolve) => closing.once('exit', resolve));
      closing.ref();
      closing.postMessage('close');
      await exited;
    },
  };
}
