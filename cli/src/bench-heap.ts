// The live memory of a server under `npm run bench`, read through the V8 inspector after a full
// collection: a reading of the heap's used size alone counts garbage not yet collected, which on an
// idle server can be larger than what a thousand idle subscribers hold (it read -15.8 KiB a subscriber).
import WebSocket from 'ws';
import type { LedgerProcess } from './testing/processes.js';

/** The node option that opens the inspector on a free loopback port (the bench's servers only). */
export const INSPECT = '--inspect=127.0.0.1:0';

/** The inspector's websocket address, from the line node prints at start-up. */
export async function inspectorUrl(
  proc: Pick<LedgerProcess, 'name' | 'child' | 'stderr'>,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(proc.stderr())?.[1];
    if (url) return url;
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${proc.name}: no inspector address in its output\n${proc.stderr().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// What the process holds once garbage is gone: its heap and the memory outside it (socket buffers).
const LIVE_BYTES = '(() => { const m = process.memoryUsage(); return m.heapUsed + m.external; })()';

/** Collects the garbage of the process at `url` (twice: the first frees what holds the rest) and answers its live bytes. */
export async function liveBytes(url: string): Promise<number> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  socket.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = reply.id === undefined ? undefined : pending.get(reply.id);
    if (!waiting) return; // an event, not a reply
    pending.delete(reply.id!);
    if (reply.error) waiting.reject(new Error(`inspector: ${reply.error.message}`));
    else waiting.resolve(reply.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const { result } = (await call('Runtime.evaluate', { expression: LIVE_BYTES, returnByValue: true })) as {
      result: { value?: unknown };
    };
    if (typeof result.value !== 'number') throw new Error(`inspector: no byte count in ${JSON.stringify(result)}`);
    return result.value;
  } finally {
    socket.close();
  }
}
