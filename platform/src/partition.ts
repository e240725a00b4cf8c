import { ValidationError } from './errors.js';

/**
 * Stable partition of an aggregate, shared by every service and engine:
 * FNV-1a (32 bit) over the UTF-8 bytes of the id, modulo the partition count.
 */
export function partitionOf(aggregateId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(aggregateId, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** A place in the store: gap-free, strictly increasing sequence within one partition. */
export interface Position {
  readonly partition: number;
  readonly sequence: number;
}

export function formatPosition(position: Position): string {
  return `${position.partition}:${position.sequence}`;
}

export function parsePosition(text: string): Position {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match) throw new ValidationError(`malformed position "${text}", expected "<partition>:<sequence>"`);
  return { partition: Number(match[1]), sequence: Number(match[2]) };
}
