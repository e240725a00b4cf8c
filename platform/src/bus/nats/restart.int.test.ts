import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { depositAt } from '../../testing/bus-events.js';
import { engineUrl } from '../../testing/engines.js';
import { connectNats } from './connection.js';
import { createNatsEventBus } from './event-bus.js';
import { createNatsNotificationBus } from './notification-bus.js';

// This suite restarts a NATS server of its own (never the shared one), so it needs the binary.
const binary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const url = engineUrl('nats');

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

async function startServer(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${log}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function eventually(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

if (url && !existsSync(binary)) {
  test('NATS restart suite', () => assert.fail(`set NATS_SERVER_BIN: no nats-server at ${binary}`));
} else if (url) {
  test('subscribers and publishers survive a NATS server crash with no event lost', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'ledger-'));
    const port = await freePort();
    let server = await startServer(port, storeDir);
    const client = connectNats({ servers: `nats://127.0.0.1:${port}`, reconnectTimeWaitMs: 100 });
    const bus = createNatsEventBus({ client, partitions: 1, redeliveryDelayMs: 50, publishTimeoutMs: 2_000 });
    const notifications = createNatsNotificationBus({ client });
    try {
      const events = Array.from({ length: 8 }, (_, i) => depositAt(0, i + 1));
      const seen: number[] = [];
      const notified: unknown[] = [];
      await bus.subscribe(0, 0, async (batch) => {
        seen.push(...batch.map((e) => e.position.sequence));
      });
      await notifications.subscribe('ledger.notify.checkpoint.*', (_subject, payload) => notified.push(payload));
      await bus.publish(0, events.slice(0, 3));
      await eventually('events 1-3', () => seen.length === 3);

      await kill(server);
      // A forwarder keeps retrying its batch while NATS is down; the server comes back meanwhile.
      const forwarding = (async () => {
        for (;;) {
          try {
            return await bus.publish(0, events.slice(3, 6));
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 500));
      server = await startServer(port, storeDir);
      await forwarding;
      await bus.publish(0, events.slice(5, 8));

      await eventually('events 4-8 after the restart', () => seen.includes(8));
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8], 'in order, none lost, none twice');
      assert.equal(await bus.lastSequence(0), 8, 'the stream kept the events from before the crash');
      await notifications.publish('ledger.notify.checkpoint.0', { position: '0:8' });
      await eventually('a notification after the restart', () => notified.length === 1);
    } finally {
      await bus.close();
      await notifications.close();
      await client.close();
      await kill(server);
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  test('closing while NATS is down finishes promptly', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'ledger-'));
    const port = await freePort();
    const server = await startServer(port, storeDir);
    try {
      const client = connectNats({ servers: `nats://127.0.0.1:${port}`, drainTimeoutMs: 500 });
      const bus = createNatsEventBus({ client, partitions: 1 });
      await bus.subscribe(0, 0, async () => undefined);
      await bus.lastSequence(0);
      await kill(server);
      const started = Date.now();
      await bus.close();
      await client.close();
      assert.ok(Date.now() - started < 3_000, `closed in ${Date.now() - started} ms`);
      assert.equal((await client.connection()).isClosed(), true);
    } finally {
      await kill(server);
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
} else {
  test('NATS suite', { skip: 'NATS_URL is not set' }, () => undefined);
}
