import { randomUUID } from 'node:crypto';
import { ValidationError } from '@ledger/platform';

/** The indices of one generation; they are created, swapped and dropped together. */
export const INDEX_KINDS = ['accounts', 'transactions', 'history', 'checkpoints'] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

/**
 * The first generation has a fixed id, so processes that start together on an empty cluster all
 * create the same indices (index creation is atomic: one wins, the others find them existing).
 */
export const FIRST_GENERATION = 'g0';

// g<base36 time>-<8 hex>; never ends like a write alias ("-write"), so names cannot collide.
const GENERATION = /^g[0-9a-z]+(?:-[0-9a-f]{8})?$/;
// Index names are lowercase and must not contain \ / * ? " < > | , # or spaces, nor start with - _ +.
const PREFIX = /^[a-z0-9][a-z0-9._-]*$/;

/** Time-ordered ids, so leftovers of old rebuilds are easy to tell apart. */
export function newGenerationId(now: number = Date.now(), random: string = randomUUID()): string {
  return `g${now.toString(36)}-${random.replace(/-/g, '').slice(0, 8).toLowerCase()}`;
}

/**
 * Whether `value` can be a generation id. Ids become parts of index names, so anything else (a
 * wildcard, a comma) must never reach a request, where it could name other indices.
 */
export function isGenerationId(value: string): boolean {
  return GENERATION.test(value);
}

export interface IndexNames {
  /** The index of the deployment's swap lock (one per prefix, whatever the generation). */
  readonly locks: string;
  /** The read alias of a kind: queries go through it; it points at the active generation's index. */
  alias(kind: IndexKind): string;
  /** The concrete index of a kind in a generation. */
  index(generation: string, kind: IndexKind): string;
  /**
   * The alias every write targets, with `require_alias`: once the generation is dropped it is gone
   * too, so a late write fails instead of auto-creating an index with guessed mappings.
   */
  writeAlias(generation: string, kind: IndexKind): string;
  /** The generation of a concrete index of `kind`, or null when the name is not one of ours. */
  generationOf(index: string, kind: IndexKind): string | null;
}

export function indexNames(prefix: string): IndexNames {
  if (!PREFIX.test(prefix)) {
    throw new ValidationError(`index prefix "${prefix}" is not a valid Elasticsearch index name start`);
  }
  const index = (generation: string, kind: IndexKind) => `${prefix}-${kind}-${generation}`;
  return {
    locks: `${prefix}-locks`,
    alias: (kind) => `${prefix}-${kind}`,
    index,
    writeAlias: (generation, kind) => `${index(generation, kind)}-write`,
    generationOf(name, kind) {
      const start = `${prefix}-${kind}-`;
      if (!name.startsWith(start)) return null;
      const generation = name.slice(start.length);
      return isGenerationId(generation) ? generation : null;
    },
  };
}
