import { partitionOf } from '../partition.js';

/**
 * Who runs which partition, computed alike by every replica from the sorted member list: each
 * member gets floor(P/n) or ceil(P/n) partitions (the first P mod n members one more), and each
 * partition goes to the member that ranks it highest (rendezvous hashing) among those with room.
 * So the spread is even, and a replica joining or leaving moves few partitions besides its own.
 */
export function assignPartitions(
  kind: string,
  partitions: number,
  members: readonly string[],
): Map<string, Set<number>> {
  const owners = new Map(members.map((member) => [member, new Set<number>()]));
  if (members.length === 0) return owners;
  const base = Math.floor(partitions / members.length);
  const room = new Map(members.map((member, i) => [member, base + (i < partitions % members.length ? 1 : 0)]));
  for (let partition = 0; partition < partitions; partition++) {
    let best: string | undefined;
    let bestScore = -1;
    for (const member of members) {
      const score = partitionOf(`${kind}/${partition}/${member}`, 2 ** 32);
      if (room.get(member)! > 0 && (score > bestScore || (score === bestScore && member < best!))) {
        best = member;
        bestScore = score;
      }
    }
    room.set(best!, room.get(best!)! - 1);
    owners.get(best!)!.add(partition);
  }
  return owners;
}
