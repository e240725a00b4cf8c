import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  readonly name?: string;
  /** Short readable lines for a person at a terminal, instead of JSON lines for machines. */
  readonly pretty?: boolean;
}

/** Structured JSON logs on stdout; on a terminal (`pretty`), one short readable line each. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = { name: options.name ?? 'ledger', level: options.level ?? 'info' };
  if (!options.pretty) return pino(settings);
  // Loaded only for a terminal: processes logging JSON do without it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(
    settings,
    // The message says it all for a person; the ignored fields stay in the JSON lines.
    pretty({
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,name,port,worker,members',
      singleLine: true,
      sync: true,
    }),
  );
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
