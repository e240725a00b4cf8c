import { after } from 'node:test';
import { randomUUID } from 'node:crypto';
import { connectNats } from '../bus/nats/connection.js';

/**
 * Test isolation on a shared server: every call names a fresh stream and subject prefix, and all
 * of them are deleted when the test file ends.
 */
export function isolatedStreams(servers: string): () => { stream: string; subjectPrefix: string } {
  const streams: string[] = [];
  after(async () => {
    const client = connectNats({ servers });
    const jsm = await (await client.connection()).jetstreamManager();
    await Promise.all(streams.map((name) => jsm.streams.delete(name).catch(() => false)));
    await client.close();
  });
  return () => {
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    streams.push(`TEST_${id}`);
    return { stream: `TEST_${id}`, subjectPrefix: `test${id}` };
  };
}
