import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  readonly name?: string;
}

/** Structured JSON logs on stdout. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({ name: options.name ?? 'ledger', level: options.level ?? 'info' });
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
