import { readFileSync, readdirSync } from 'node:fs';

/**
 * This process's threads by the name each has for the operating system (Linux: /proc/self/task/<tid>/comm).
 * A thread that ends between the listing and the read is left out.
 */
export function threadNames(): string[] {
  const names: string[] = [];
  for (const thread of readdirSync('/proc/self/task')) {
    try {
      names.push(readFileSync(`/proc/self/task/${thread}/comm`, 'utf8').trim());
    } catch {
      // The thread ended meanwhile.
    }
  }
  return names;
}
