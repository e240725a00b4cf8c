import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './checks.js';
import { FAULT_KINDS } from './faults.js';
import type { Fault } from './faults.js';
import type { Acknowledged, WorkloadStats } from './workload.js';

export interface RunReport {
  readonly seed: number;
  readonly command: string;
  readonly durationMs: number;
  readonly faults: readonly Fault[];
  readonly acknowledged: readonly Acknowledged[];
  readonly stats: WorkloadStats;
  readonly checks: readonly Check[];
  readonly violations: readonly string[];
  readonly logs: ReadonlyMap<string, number>;
}

/** What the ledger processes said about faults they survived, counted from their logs. */
export const LOG_SIGNS: Record<string, (msg: string) => boolean> = {
  'leases lost': (msg) => msg === 'lease lost',
  'writes fenced off': (msg) => msg.includes('fenced off'),
  'partitions taken over': (msg) => msg === 'partition worker acquired',
  'delivery retried from cursor': (msg) => msg.startsWith('event delivery failed'),
  'lease store unavailable': (msg) => msg === 'lease store unavailable',
};

export function countLogSigns(logDir: string): Map<string, number> {
  const counts = new Map(Object.keys(LOG_SIGNS).map((sign) => [sign, 0]));
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      let msg: string;
      try {
        msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
      } catch {
        continue;
      }
      for (const [sign, matches] of Object.entries(LOG_SIGNS))
        if (matches(msg)) counts.set(sign, counts.get(sign)! + 1);
    }
  }
  return counts;
}

const row = (label: string, value: string | number, note = ''): string =>
  `  ${label.padEnd(34)} ${String(value).padStart(8)}${note ? `  ${note}` : ''}`;

const duration = (ms: number): string => {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
};

/** The summary table printed at the end of a run. */
export function formatReport(report: RunReport): string {
  const lines: string[] = [];
  const failed = report.checks.filter((check) => !check.ok);
  const ok = failed.length === 0 && report.violations.length === 0;
  lines.push('', `chaos run, seed ${report.seed}: ${duration(report.durationMs)}`, `  ${report.command}`, '');
  lines.push('faults');
  for (const kind of FAULT_KINDS) {
    const ofKind = report.faults.filter((fault) => fault.kind === kind);
    const targets = new Map<string, number>();
    for (const fault of ofKind) targets.set(fault.target, (targets.get(fault.target) ?? 0) + 1);
    lines.push(row(kind, ofKind.length, [...targets].map(([target, n]) => `${target} ${n}`).join(', ')));
  }
  lines.push(row('total', report.faults.length));
  lines.push('', 'operations');
  const byKind = (kind: string) => report.acknowledged.filter((ack) => ack.operation.kind === kind).length;
  lines.push(
    row(
      'acknowledged',
      report.acknowledged.length,
      `deposit ${byKind('deposit')}, withdraw ${byKind('withdraw')}, transfer ${byKind('transfer')}`,
    ),
  );
  lines.push(row('retried (more than one call)', report.stats.retriedOperations));
  lines.push(row('calls', report.stats.calls));
  lines.push(
    row(
      'failed calls, sent again',
      report.stats.failedCalls,
      [...report.stats.errors].map(([kind, n]) => `${kind} ${n}`).join(', '),
    ),
  );
  lines.push(
    row(
      'read-your-writes answered PENDING',
      report.stats.pendingAnswers,
      `of ${report.stats.readYourWritesAnswers} (waits longer than LEDGER_RYW_TIMEOUT_MS)`,
    ),
  );
  lines.push(row('key probes (same key, other gateway)', report.stats.probes));
  lines.push('', 'ledger logs');
  for (const [sign, count] of report.logs) lines.push(row(sign, count));
  lines.push('', 'checks');
  for (const check of report.checks) lines.push(`  ${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  if (report.violations.length > 0) {
    lines.push('', 'violations during the run');
    for (const violation of report.violations) lines.push(`  - ${violation}`);
  }
  lines.push(
    '',
    ok
      ? 'result: PASS'
      : `result: FAIL (${[...failed.map((check) => check.name), ...(report.violations.length ? [`${report.violations.length} violations during the run`] : [])].join(', ')})`,
  );
  return lines.join('\n');
}
