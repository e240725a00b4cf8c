import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import * as grpc from '@grpc/grpc-js';
import { createGrpcCommands } from '@ledger/gateway';
import { createGrpcEventSource } from '@ledger/projector';
import { loadLedgerProto } from '@ledger/schema';

// Compose names the write service once (write-service:50051) and its DNS answers with every
// replica. Two real gRPC servers stand for two replicas on one port, at 127.0.0.1 and 127.0.0.2;
// the one thing faked is the DNS answer for a made-up name, since this machine's resolver has no
// name with two addresses.
const NAME = 'write-service.ledger-test';
const REPLICA_ADDRESSES = ['127.0.0.1', '127.0.0.2'];

describe('gRPC clients balance over every address of the write service name', () => {
  const servers: grpc.Server[] = [];
  let port = 0;
  const realLookup = dns.promises.lookup;

  before(async () => {
    const proto = loadLedgerProto().ledger.v1;
    for (const [replica, host] of REPLICA_ADDRESSES.entries()) {
      const server = new grpc.Server();
      server.addService(proto.CommandService.service, {
        openAccount: (_call: unknown, callback: grpc.sendUnaryData<{ accountId: string; position: string }>) =>
          callback(null, { accountId: `replica-${replica}`, position: '0:1' }),
      });
      server.addService(proto.EventStore.service, {
        checkpoint: (_call: unknown, callback: grpc.sendUnaryData<{ heads: number[] }>) =>
          callback(null, { heads: [replica] }),
      });
      port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      servers.push(server);
    }
    const lookup = (async (hostname: string, options: unknown) =>
      hostname === NAME
        ? REPLICA_ADDRESSES.map((address): LookupAddress => ({ address, family: 4 }))
        : realLookup(hostname, options as dns.LookupAllOptions)) as typeof dns.promises.lookup;
    dns.promises.lookup = lookup;
  });
  after(() => {
    dns.promises.lookup = realLookup;
    for (const server of servers) server.forceShutdown();
  });

  /** How many of `calls` each replica answered. */
  const spread = async (calls: number, call: () => Promise<string>): Promise<Map<string, number>> => {
    const answered = new Map<string, number>();
    for (let i = 0; i < calls; i++) {
      const replica = await call();
      answered.set(replica, (answered.get(replica) ?? 0) + 1);
    }
    return answered;
  };
  const assertBalanced = (answered: Map<string, number>, calls: number) => {
    assert.deepEqual([...answered.keys()].sort(), ['replica-0', 'replica-1'], 'both replicas take calls');
    for (const count of answered.values()) assert.ok(count >= calls / 4, `uneven spread: ${[...answered.values()]}`);
  };

  test("the gateway's command client", async () => {
    const commands = createGrpcCommands({ address: `${NAME}:${port}` });
    const answered = await spread(40, async () => (await commands.openAccount({ owner: 'ann' })).accountId);
    assertBalanced(answered, 40);
  });

  test("the projector's event source", async () => {
    const source = createGrpcEventSource({ address: `${NAME}:${port}` });
    try {
      const answered = await spread(40, async () => `replica-${(await source.heads())[0]}`);
      assertBalanced(answered, 40);
    } finally {
      await source.close();
    }
  });
});
