import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadConfig, silentLogger } from '@ledger/platform';
import { loadLedgerProto, serviceAuthInterceptors } from '@ledger/schema';
import type { EventStoreClient } from '@ledger/schema';
import { createLedgerClient } from '@ledger/client';
import type { LedgerClient } from '@ledger/client';
import { startSystem } from '../system.js';
import type { RunningSystem } from '../system.js';

export interface TestSystem {
  readonly url: string;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly client: LedgerClient;
  readonly system: RunningSystem;
  /** Another client of this system, sending `token` (closed with the system). */
  clientWith(token: string | (() => string | Promise<string>) | undefined): LedgerClient;
  /** Sum of the store's partition heads, read over gRPC: changes iff something was written. */
  storeHead(): Promise<number>;
  /** Every event of one aggregate as the store holds it, read over gRPC (type and metadata). */
  events(aggregateId: string): Promise<Array<{ type: string; metadata: Record<string, unknown> }>>;
  /** Stops the system (keeps the data directory). */
  stop(): Promise<void>;
  /** Stops and deletes the data directory. */
  dispose(): Promise<void>;
}

/** Starts the whole system in this process (`ledger all`) on ephemeral ports and a temp data dir. */
export async function startTestSystem(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<TestSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    GRPC_PORT: '0',
    LEDGER_DATA_DIR: dataDir,
    LEDGER_PARTITIONS: '8',
    LEASE_TTL_MS: '2000',
    LEDGER_RYW_TIMEOUT_MS: '10000',
    ...options.env,
  });
  const system = await startSystem({
    config,
    logger: silentLogger(),
    roles: new Set(['gateway', 'write-service', 'projector']),
  });
  const baseUrl = `http://127.0.0.1:${system.gatewayPort}`;
  const url = `${baseUrl}/graphql`;
  const client = createLedgerClient({ url });
  const proto = loadLedgerProto();
  // The test reads the store as the deployment's other processes would: with its service secret.
  const eventStore = new proto.ledger.v1.EventStore(`127.0.0.1:${system.grpcPort}`, grpc.credentials.createInsecure(), {
    interceptors: serviceAuthInterceptors(config.LEDGER_SERVICE_SECRET),
  }) as EventStoreClient;
  const clients = [client];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    eventStore.close();
    await Promise.all(clients.map((each) => each.close()));
    await system.stop();
  };
  return {
    url,
    baseUrl,
    dataDir,
    client,
    system,
    clientWith(token) {
      const other = createLedgerClient({ url, token });
      clients.push(other);
      return other;
    },
    storeHead: () =>
      new Promise((resolve, reject) =>
        eventStore.Checkpoint({}, (error, reply) =>
          error || !reply ? reject(error) : resolve(reply.heads.reduce((sum, head) => sum + Number(head), 0)),
        ),
      ),
    events: (aggregateId) =>
      new Promise((resolve, reject) =>
        eventStore.GetEvents({ aggregateId }, (error, reply) =>
          error || !reply
            ? reject(error)
            : resolve(
                reply.events.map((event) => ({
                  type: event.type,
                  metadata: JSON.parse(event.metadataJson) as Record<string, unknown>,
                })),
              ),
        ),
      ),
    stop,
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
