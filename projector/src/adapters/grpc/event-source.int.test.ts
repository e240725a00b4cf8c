import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnavailableError } from '@ledger/platform';
import { createCommandService, createGrpcServer, createSqliteEventStore } from '@ledger/write-service';
import type { EventStore, GrpcServer } from '@ledger/write-service';
import type { EventSource } from '../../ports/event-source.js';
import { collect, countingReads, defineEventSourceContract, seedAccount } from '../../ports/event-source.contract.js';
import { createGrpcEventSource } from './event-source.js';

const PARTITIONS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Running {
  readonly store: EventStore;
  readonly server: GrpcServer;
  readonly source: EventSource;
  /** Store reads the server made (the store decorated with a counter). */
  reads(): number;
}

async function start(pageSize = 100, shutdownTimeoutMs = 500): Promise<Running> {
  const store = createSqliteEventStore({ path: ':memory:', partitions: PARTITIONS, synchronous: 'NORMAL' });
  const counted = countingReads(store);
  const commands = createCommandService({ store });
  const server = createGrpcServer({ commands, store: counted.store, replayPageSize: pageSize, shutdownTimeoutMs });
  const port = await server.listen('127.0.0.1:0');
  const source = createGrpcEventSource({ address: `127.0.0.1:${port}` });
  return { store, server, source, reads: counted.reads };
}

async function stop(running: Running): Promise<void> {
  await running.source.close();
  await running.server.close();
  await running.store.close();
}

defineEventSourceContract('gRPC', async (pageSize) => {
  const running = await start(pageSize);
  return { ...running, stop: () => stop(running) };
});

/**
 * Consumers that stop early. The server's shutdown waits for running calls up to its deadline,
 * so a quick close() shows that the server saw the cancellation and ended the replay.
 */
describe('gRPC event source cancellation', () => {
  const SHUTDOWN_MS = 3_000;
  const startLarge = async () => {
    const running = await start(100, SHUTDOWN_MS);
    for (let i = 0; i < 50; i++) await seedAccount(running.store, 99);
    return running;
  };
  const stopQuickly = async (running: Running) => {
    const started = Date.now();
    await stop(running);
    assert.ok(Date.now() - started < SHUTDOWN_MS / 3, 'no replay left running on the server');
  };

  test('breaking off the iteration cancels the replay on the server', async () => {
    const running = await startLarge();
    let seen = 0;
    for await (const _ of running.source.replay({})) if (++seen === 2) break;
    await sleep(200);
    const reads = running.reads();
    assert.ok(reads < 25, `read ${reads} of 50 pages for 2 pages`);
    await stopQuickly(running);
  });

  test('an aborted signal ends the iteration with an AbortError and cancels the replay', async () => {
    const running = await startLarge();
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      async () => {
        for await (const _ of running.source.replay({}, controller.signal)) if (++seen === 2) controller.abort();
      },
      { name: 'AbortError' },
    );
    assert.equal(seen, 2);
    const again = running.source.replay({}, controller.signal)[Symbol.asyncIterator]();
    await assert.rejects(again.next(), { name: 'AbortError' }, 'an aborted signal refuses to start');
    await sleep(200);
    await stopQuickly(running);
  });
});

test('a source whose server is gone fails with UnavailableError', async () => {
  const running = await start();
  await running.server.close();
  await assert.rejects(running.source.heads(), UnavailableError);
  await assert.rejects(collect(running.source, {}), UnavailableError);
  await running.source.close();
  await running.store.close();
});
