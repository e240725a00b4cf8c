import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
const run = (name: string, ...args: string[]) =>
  spawnSync(process.execPath, [script(name), ...args], { encoding: 'utf8', timeout: 60_000 });

test('the bench scripts answer --help with their usage and a bad option with what is wrong and exit code 2', () => {
  for (const name of ['bench.js', 'bench-rebuild.js', 'bench-writer.js', 'bench-pair.js']) {
    const help = run(name, '--help');
    assert.equal(help.status, 0, name);
    assert.match(help.stdout, /^usage: npm run bench/, name);

    const unknown = run(name, '--bogus');
    assert.equal(unknown.status, 2, name);
    assert.match(unknown.stderr, /Unknown option '--bogus'[\s\S]*usage: npm run bench/, name);
    assert.doesNotMatch(unknown.stderr, /at parseArgs|node:internal/, `${name}: no stack trace`);
  }
  const rate = run('bench.js', '--rate', 'x');
  assert.equal(rate.status, 2);
  assert.match(rate.stderr, /--rate takes deposits per second/);
  for (const [name, ...args] of [
    ['bench.js', '--seconds', 'soon'],
    ['bench.js', '--subscribers', 'many'],
    ['bench-rebuild.js', '--runs', '0'],
    ['bench-rebuild.js', '--events', '1.5'],
    ['bench-writer.js', '--partitions', '0'],
    ['bench-writer.js', '--settlements', 'bogus'],
    ['bench-pair.js', '--rounds', '0'],
    ['bench-pair.js', '--mode', 'fast'],
  ] as const) {
    const bad = run(name, ...args);
    assert.equal(bad.status, 2, `${name} ${args.join(' ')}`);
    assert.match(bad.stderr, new RegExp(`${args[0]} takes .*\\(got "${args[1]}"\\)`), `${name} ${args.join(' ')}`);
  }
});

test("bench:writer measures the store's writer alone: the CPU it takes and what it writes a deposit", () => {
  for (const [settlements, said] of [
    ['follow-up', 'riding on their steps'],
    ['separate', 'apart'],
  ] as const) {
    const result = run(
      'bench-writer.js',
      '--partitions',
      '4',
      '--batches',
      '30',
      '--runs',
      '1',
      '--settlements',
      settlements,
    );
    assert.equal(result.status, 0, result.stderr);
    const [line, summary] = result.stdout.trim().split('\n');
    const measured = JSON.parse(line!) as Record<string, number | string>;
    assert.equal(measured.build, 'this');
    assert.equal(measured.partitions, 4);
    assert.equal(measured.settlements, settlements);
    for (const figure of ['cpuUsPerDeposit', 'kibWrittenPerDeposit', 'writeCallsPerDeposit']) {
      assert.ok(typeof measured[figure] === 'number' && measured[figure] > 0, `${figure}: ${measured[figure]}`);
    }
    assert.match(
      summary!,
      new RegExp(
        `^this: the writer alone, 4 partitions, settlements ${said}, median of 1 runs: [\\d.]+ us of CPU a deposit`,
      ),
    );
  }

  const nowhere = run('bench-writer.js', '--against', '/nonexistent');
  assert.equal(nowhere.status, 2);
  assert.match(nowhere.stderr, /--against takes a built checkout/);
});

test('bench:pair runs two builds side by side and compares their CPU a command, round by round', () => {
  const checkout = fileURLToPath(new URL('../..', import.meta.url));
  const args = ['--against', checkout, '--mode', 'transfer', '--rounds', '1', '--seconds', '1', '--clients', '2'];
  const result = run('bench-pair.js', ...args);
  assert.equal(result.status, 0, result.stderr);
  const [line, summary] = result.stdout.trim().split('\n');
  const round = JSON.parse(line!) as Record<string, { perSecond: number; cpuMs: number }>;
  for (const build of ['this', 'against']) {
    assert.ok(round[build]!.perSecond > 0 && round[build]!.cpuMs > 0, `${build}: ${JSON.stringify(round[build])}`);
  }
  assert.match(summary!, /^transfer, 2 clients a process, median of 1 rounds of 1 s: CPU a transfer [\d.]+ ms here/);

  const nowhere = run('bench-pair.js', '--against', '/nonexistent');
  assert.equal(nowhere.status, 2);
  assert.match(nowhere.stderr, /--against takes a built checkout/);
});
