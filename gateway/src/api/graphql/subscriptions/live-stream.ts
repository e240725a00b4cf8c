/**
 * A push-fed async iterator for one GraphQL subscription. graphql-ws calls `return()` when the
 * client completes or disconnects; `onClose` then releases what fed the stream. A consumer that
 * falls `maxBuffered` items behind gets an error rather than a silently incomplete history.
 */
export interface LiveStream<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** Ends the stream after the buffered items (with an error if given). */
  end(error?: Error): void;
  onClose(release: () => void): void;
}

export function createLiveStream<T>(options: { maxBuffered?: number } = {}): LiveStream<T> {
  const maxBuffered = options.maxBuffered ?? 10_000;
  const buffer: T[] = [];
  const waiting: Array<{ resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void }> = [];
  const releases: Array<() => void> = [];
  let ended = false;
  let failure: Error | undefined;

  const release = (): void => {
    for (const fn of releases.splice(0)) fn();
  };
  const settleWaiting = (): void => {
    while (waiting.length && buffer.length) waiting.shift()!.resolve({ value: buffer.shift()!, done: false });
    if (!ended || buffer.length) return;
    for (const waiter of waiting.splice(0)) {
      if (failure) waiter.reject(failure);
      else waiter.resolve({ value: undefined, done: true });
    }
  };

  const stream: LiveStream<T> = {
    push(value) {
      if (ended) return;
      buffer.push(value);
      if (buffer.length > maxBuffered) return stream.end(new Error('subscriber too slow: updates were dropped'));
      settleWaiting();
    },
    end(error) {
      if (ended) return;
      ended = true;
      failure = error;
      if (error) buffer.length = 0;
      release();
      settleWaiting();
    },
    onClose(fn) {
      if (ended) fn();
      else releases.push(fn);
    },
    next() {
      if (buffer.length) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (ended) {
        const error = failure;
        failure = undefined;
        return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      buffer.length = 0;
      stream.end();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      stream.end(error instanceof Error ? error : new Error(String(error)));
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
