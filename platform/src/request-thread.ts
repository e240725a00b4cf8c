import { writeFileSync } from 'node:fs';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import type { LedgerError } from './errors.js';
import {
  ConcurrencyError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from './errors.js';
import type { Outcome } from './turn-batch.js';

/**
 * The young generation of a request thread's heap. A thread holds one request's text and its answer
 * at a time, so a small one does; without a limit V8 lets it grow to 48 MB, sized for a main thread.
 * RSS of a fresh `ledger all` after 100,000 deposits over 10,000 accounts (ad hoc, three runs each):
 * 196, 196, 196 -> 187, 189, 192 MB after a full collection of the main heap, 267, 269, 267 -> 254,
 * 255, 260 MB before it; the writer thread's CPU a deposit unchanged.
 */
export const THREAD_YOUNG_GENERATION_MB = 4;

/** An error as it crosses between threads (structured clone keeps only name and message of an Error). */
export type ThreadError =
  | { readonly kind: 'concurrency'; readonly aggregateId: string; readonly expected: number; readonly actual: number }
  | { readonly kind: 'error'; readonly name: string; readonly message: string; readonly code?: string };

// Ledger errors whose constructor takes the message alone: callers branch on their class.
const LEDGER_ERRORS: Record<string, new (message: string) => LedgerError> = {
  ValidationError,
  NotFoundError,
  IllegalStateError,
  UnavailableError,
  UnauthenticatedError,
  ForbiddenError,
};

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
  const Ledger = LEDGER_ERRORS[error.name];
  if (Ledger) return new Ledger(error.message);
  return Object.assign(new Error(error.message), { name: error.name, ...(error.code ? { code: error.code } : {}) });
}

/** Outcomes as they cross between threads. */
export type EncodedOutcome<Result> = { readonly result: Result } | { readonly error: ThreadError };

export const encodeOutcomes = <Result>(outcomes: readonly Outcome<Result>[]): EncodedOutcome<Result>[] =>
  outcomes.map((outcome) => ('error' in outcome ? { error: encodeError(outcome.error) } : outcome));
export const decodeOutcomes = <Result>(outcomes: readonly EncodedOutcome<Result>[]): Outcome<Result>[] =>
  outcomes.map((outcome) => ('error' in outcome ? { error: decodeError(outcome.error) } : outcome));

type Request<Payload> = { readonly id: number; readonly payload: Payload };
type Reply<Answer> =
  { readonly id: number; readonly answer: Answer } | { readonly id: number; readonly failed: ThreadError };
/** What a request thread starts with: its name for the operating system and its handler's data. */
type ThreadData = { readonly threadName: string; readonly data: unknown };

/**
 * Names the calling thread for the operating system, so that `top -H`, `ps -T` and the bench (from
 * /proc) tell it from V8's and libuv's threads. Linux keeps 15 characters; elsewhere nothing happens.
 */
export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // Not Linux (or no /proc): the thread keeps the process's name.
  }
}

export interface RequestThread<Payload, Answer> {
  /** Starts the thread now, so that the first request does not wait for it to load. */
  start(): void;
  /** Sends `payload` to the thread; settles with its answer, or with the error its handler threw. */
  request(payload: Payload): Promise<Answer>;
  /** Ends the thread once it has answered every request. */
  close(): Promise<void>;
}

/**
 * A worker thread that answers requests one at a time, started by `start` or else on the first
 * request: the work (a SQLite commit and its sync, say) never holds up this event loop, which
 * meanwhile gathers the next request. Requests and answers cross as JSON text, cheaper to copy than the structured clone of many
 * small objects. The thread keeps the process alive only while it has work: an idle one does not.
 * `what` names the thread in errors, `threadName` to the operating system (see nameThisThread).
 */
export function startRequestThread<Payload, Answer>(
  script: URL,
  data: unknown,
  what: string,
  threadName: string,
): RequestThread<Payload, Answer> {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve(answer: Answer): void; reject(error: unknown): void }>();
  const failAll = (error: unknown): void => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(script, {
      workerData: { threadName, data } satisfies ThreadData,
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
    });
    started.unref();
    started.on('message', (message: string) => {
      const reply = JSON.parse(message) as Reply<Answer>;
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (!waiting) return;
      if ('failed' in reply) waiting.reject(decodeError(reply.failed));
      else waiting.resolve(reply.answer);
    });
    started.on('error', (error) => failAll(new UnavailableError(`${what} failed: ${error.message}`)));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      if (pending.size > 0) failAll(new UnavailableError(`${what} exited (${code})`));
    });
    return started;
  };
  return {
    start() {
      worker ??= start();
    },
    request(payload) {
      worker ??= start();
      const id = nextId++;
      const done = new Promise<Answer>((resolve, reject) => pending.set(id, { resolve, reject }));
      if (pending.size === 1) worker.ref();
      worker.postMessage(JSON.stringify({ id, payload } satisfies Request<Payload>));
      return done;
    },
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

/**
 * The thread's side of `startRequestThread`: `open` gets the data the thread was started with and
 * returns how to answer a request and how to release what it opened once the thread is told to end.
 */
export function serveRequests<Data, Payload, Answer>(
  open: (data: Data) => { answer(payload: Payload): Answer; close(): void | Promise<void> },
): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests runs in a worker thread');
  const { threadName, data } = workerData as ThreadData;
  nameThisThread(threadName);
  const server = open(data as Data);
  port.on('message', (message: string) => {
    if (message === 'close') {
      void Promise.resolve()
        .then(() => server.close())
        .finally(() => port.close());
      return;
    }
    const { id, payload } = JSON.parse(message) as Request<Payload>;
    let reply: Reply<Answer>;
    try {
      reply = { id, answer: server.answer(payload) };
    } catch (error) {
      reply = { id, failed: encodeError(error) };
    }
    port.postMessage(JSON.stringify(reply));
  });
}
