import { registerEnumType } from 'type-graphql';

/** How long a mutation waits before it answers. */
export const Consistency = {
  /** Answer at once after the append; the transaction is PENDING. */
  EVENTUAL: 'EVENTUAL',
  /** Answer once the transaction has settled and the read model shows it (the default). */
  READ_YOUR_WRITES: 'READ_YOUR_WRITES',
} as const;
export type Consistency = (typeof Consistency)[keyof typeof Consistency];

registerEnumType(Consistency, {
  name: 'Consistency',
  description: 'How long a mutation waits: READ_YOUR_WRITES (default) or EVENTUAL.',
});
