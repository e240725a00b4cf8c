import { SignJWT } from 'jose';

export const TEST_SECRET = 'e2e-test-secret-that-is-long-enough-for-hs256';

/** The service secret of test systems under jwt (LEDGER_SERVICE_SECRET), which their gRPC calls carry. */
export const TEST_SERVICE_SECRET = 'e2e-service-secret-shared-by-the-processes';

/** Environment of a test system that checks HS256 tokens signed with TEST_SECRET. */
export const JWT_ENV = {
  LEDGER_AUTH: 'jwt',
  LEDGER_JWT_SECRET: TEST_SECRET,
  LEDGER_JWT_AUDIENCE: 'ledger',
  LEDGER_SERVICE_SECRET: TEST_SERVICE_SECRET,
} as const;

export interface TestTokenOptions {
  /** Seconds from now until it expires (negative: already expired). Default 600. */
  readonly ttlSec?: number;
  readonly audience?: string;
  readonly secret?: string;
}

/** An HS256 token for `subject` with `roles`, as an identity provider configured like JWT_ENV would issue. */
export function tokenFor(subject: string, roles: readonly string[], options: TestTokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setAudience(options.audience ?? 'ledger')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSec ?? 600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}
