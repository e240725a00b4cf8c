import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subjectMatcher } from './port.js';

/** NATS's rule, token by token on split subjects: `*` one token, a trailing `>` one or more. */
function byTokens(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

test('a subject matcher follows NATS wildcards: * one token, a trailing > one or more', () => {
  const balance = subjectMatcher('ledger.notify.balance.*');
  assert.equal(balance('ledger.notify.balance.acc-1'), true);
  assert.equal(balance('ledger.notify.balance'), false, 'a * needs its token');
  assert.equal(balance('ledger.notify.balance.acc-1.more'), false, 'a * matches one token only');
  assert.equal(balance('ledger.notify.balances.acc-1'), false, 'a literal matches the whole token');
  assert.equal(balance('ledger.notify.balanc.acc-1'), false);
  const rest = subjectMatcher('ledger.>');
  assert.equal(rest('ledger.notify.checkpoint.3'), true);
  assert.equal(rest('ledger'), false, 'a > needs at least one token');
  assert.equal(subjectMatcher('ledger.notify.appended')('ledger.notify.appended'), true);
  assert.equal(subjectMatcher('ledger.notify.appended')('ledger.notify.appendedx'), false);
});

test('a subject matcher agrees with the token-by-token rule on every short pattern and subject', () => {
  // Every pattern and subject of up to three tokens over a small alphabet, empty tokens included.
  const tokens = ['', 'a', 'b', 'ab'];
  const upTo3 = (alphabet: string[]): string[] => {
    const out: string[] = [];
    for (const x of alphabet) {
      out.push(x);
      for (const y of alphabet) {
        out.push(`${x}.${y}`);
        for (const z of alphabet) out.push(`${x}.${y}.${z}`);
      }
    }
    return out;
  };
  const subjects = upTo3(tokens);
  const patterns = [...upTo3([...tokens, '*']), ...upTo3(tokens).map((p) => `${p}.>`), '>', '*.>'];
  let checked = 0;
  for (const pattern of patterns) {
    const matches = subjectMatcher(pattern);
    for (const subject of subjects) {
      assert.equal(matches(subject), byTokens(pattern, subject), `pattern "${pattern}", subject "${subject}"`);
      checked++;
    }
  }
  assert.ok(checked > 10_000, `checked ${checked} pairs`);
});
