import { isLedgerError } from '@ledger/platform';
import type { LedgerCommands } from '@ledger/schema';
import type { WriteMetrics } from '../ports/metrics.js';

/** "Deposit" for deposit: the names the gRPC API gives the commands. */
const nameOf = (method: string): string => method[0]!.toUpperCase() + method.slice(1);

/**
 * The same commands, each one timed into `commandHandled` with its outcome: "OK" or the error's
 * code. Wraps the service itself, so commands are measured alike over gRPC and in process.
 */
export function timedCommands(commands: LedgerCommands, metrics: Pick<WriteMetrics, 'commandHandled'>): LedgerCommands {
  const timed = Object.fromEntries(
    Object.entries(commands).map(([method, run]) => {
      const name = nameOf(method);
      const command = run as (...args: unknown[]) => Promise<unknown>;
      return [
        method,
        // Every argument passes through: the input and the audit (who asked) beside it.
        async (...args: unknown[]) => {
          const started = performance.now();
          try {
            const result = await command.apply(commands, args);
            metrics.commandHandled(name, 'OK', (performance.now() - started) / 1_000);
            return result;
          } catch (error) {
            const outcome = isLedgerError(error) ? error.code : 'INTERNAL';
            metrics.commandHandled(name, outcome, (performance.now() - started) / 1_000);
            throw error;
          }
        },
      ];
    }),
  );
  return timed as unknown as LedgerCommands;
}
