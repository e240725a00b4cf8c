import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NotFoundError, UnavailableError } from '@ledger/platform';
import { createSqliteReadModel, rebuildBalance } from '@ledger/projector';
import type { LaneRequest, ReadModel } from '@ledger/projector';
import { createSqliteEventStore } from '@ledger/write-service';
import type { EventStore } from '@ledger/write-service';
import { accountOpening } from '@ledger/write-service/testing';
import { threadRebuildLane } from './rebuild-lane.js';

const PARTITIONS = 4;
const ACCOUNTS = 40;

// A store and a read model in files, as `ledger all` keeps them; the lanes run on real threads.
describe('a rebuild whose replay runs on threads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-lanes-'));
  const files = { storePath: path.join(dir, 'events.db'), readModelPath: path.join(dir, 'read-model.db') };
  let store: EventStore;
  let readModel: ReadModel;
  const lane = (overrides: Partial<typeof files> = {}) =>
    threadRebuildLane({ ...files, ...overrides, partitions: PARTITIONS, pageSize: 7 });

  before(async () => {
    store = createSqliteEventStore({ path: files.storePath, partitions: PARTITIONS });
    readModel = createSqliteReadModel({ path: files.readModelPath, partitions: PARTITIONS, commitThread: true });
    for (let i = 0; i < ACCOUNTS; i++) await store.append(accountOpening());
  });
  after(async () => {
    await readModel.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const source = () => ({
    replay: () => {
      throw new Error('the replay runs on the lanes, not here');
    },
    heads: () => store.heads(),
    progress: () => Promise.reject(new Error('not asked')),
    close: async () => undefined,
  });

  test('two threads copy every partition into the new generation, which is swapped in', async () => {
    const heads = await store.heads();
    let reported = 0;
    const result = await rebuildBalance({
      readModel,
      source: source(),
      batchSize: 5,
      lanes: [lane(), lane()],
      onProgress: ({ phase, events }) => {
        if (phase === 'replaying') reported = events;
      },
    });
    assert.equal(result.lanes, 2);
    assert.equal(result.events, ACCOUNTS);
    assert.equal(reported, ACCOUNTS, 'each lane commit was reported');
    assert.equal(await readModel.activeGeneration(), result.generation);
    assert.deepEqual(await readModel.checkpoints(), heads);
    assert.equal(await readModel.countAccounts({}), ACCOUNTS);
  });

  const request = (generation: string, heads: number[]): LaneRequest => ({
    generation,
    to: heads,
    claims: new SharedArrayBuffer(4),
    batchSize: 5,
    onCommitted: () => undefined,
  });

  test("a lane's failure crosses from its thread with its class and message", async () => {
    const heads = await store.heads();
    await assert.rejects(lane().copy(request('no-such-generation', heads), new AbortController().signal), (error) => {
      assert.ok(error instanceof NotFoundError, String(error));
      assert.match(error.message, /no-such-generation/);
      return true;
    });
    // A thread that cannot even open its files ends, and says so.
    await assert.rejects(
      lane({ readModelPath: dir }).copy(request('g', heads), new AbortController().signal),
      (error) => error instanceof UnavailableError && /lane/.test(error.message),
    );
  });

  test('an aborted lane ends its thread and answers the reason', async () => {
    const generation = await readModel.createGeneration();
    const controller = new AbortController();
    const copying = lane().copy(request(generation, await store.heads()), controller.signal);
    controller.abort(new Error('stopped by the test'));
    await assert.rejects(copying, /stopped by the test/);
    await readModel.dropGeneration(generation);
  });
});
