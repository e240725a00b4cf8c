import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import type { LedgerConfig } from '@ledger/platform';

const ROLES = new Set(['customer', 'teller', 'admin']);
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

export const TOKEN_USAGE = `usage: ledger token --sub <subject> [--roles customer,teller,admin] [--ttl 1h]

Mints a development JWT (HS256) from LEDGER_JWT_SECRET, with LEDGER_JWT_ISSUER and
LEDGER_JWT_AUDIENCE when they are set, and the roles in LEDGER_JWT_ROLES_CLAIM.`;

/** Parses `ledger token` arguments and signs the token; a usage problem throws with a message for the user. */
export async function mintToken(config: LedgerConfig, args: readonly string[], now = new Date()): Promise<string> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      sub: { type: 'string' },
      roles: { type: 'string', default: 'customer' },
      ttl: { type: 'string', default: '1h' },
    },
    strict: true,
  });
  if (!config.LEDGER_JWT_SECRET) throw new Error('LEDGER_JWT_SECRET is not set: tokens are signed with it');
  const subject = values.sub?.trim();
  if (!subject) throw new Error('--sub is required');
  const roles = values.roles
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role !== '');
  const unknown = roles.filter((role) => !ROLES.has(role));
  if (unknown.length > 0) throw new Error(`unknown role ${unknown.join(', ')}: the roles are customer, teller, admin`);
  const ttl = /^(\d+)(s|m|h|d)$/.exec(values.ttl);
  if (!ttl) throw new Error('--ttl must look like 30s, 15m, 1h or 7d');
  const ttlSeconds = Number(ttl[1]) * UNIT_SECONDS[ttl[2] as keyof typeof UNIT_SECONDS];

  const issuedAt = Math.floor(now.getTime() / 1000);
  // A dotted claim name is a path into nested claims, as the gateway reads it.
  const claims = config.LEDGER_JWT_ROLES_CLAIM.split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), roles) as Record<string, unknown>;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds);
  if (config.LEDGER_JWT_ISSUER) jwt = jwt.setIssuer(config.LEDGER_JWT_ISSUER);
  if (config.LEDGER_JWT_AUDIENCE) jwt = jwt.setAudience(config.LEDGER_JWT_AUDIENCE);
  return jwt.sign(new TextEncoder().encode(config.LEDGER_JWT_SECRET));
}
