import { ValidationError } from './errors.js';

/**
 * Stable partition of an aggregate, shared by every service and engine:
 * FNV-1a (32 bit) over the UTF-8 bytes of the id, modulo the partition count.
 */
export function partitionOf(aggregateId: string, partitions: number): number {
  let hash = FNV_OFFSET;
  // Ids are ASCII as a rule (UUIDs), where a character is its UTF-8 byte: no buffer to encode them into.
  for (let i = 0; i < aggregateId.length; i++) {
    const code = aggregateId.charCodeAt(i);
    if (code >= 0x80) return fnv1a(Buffer.from(aggregateId, 'utf8')) % partitions;
    hash = Math.imul(hash ^ code, FNV_PRIME) >>> 0;
  }
  return hash % partitions;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(bytes: Uint8Array): number {
  let hash = FNV_OFFSET;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
  return hash;
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
