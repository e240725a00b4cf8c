import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// V8's gc(), exposed only when a test first asks for it, so that importing the test support does not.
let gc: (() => void) | undefined;

/**
 * Whether what `ref` points at is gone after a full collection: the test's own references must be
 * dropped first. A WeakRef keeps its target until the job that made or read it is over, so the
 * collection runs on a later turn.
 */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}
