import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { CryptoKey, JWTPayload, JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError, UnavailableError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { MAX_ACTOR_LENGTH } from '@ledger/schema';
import { OPEN_ACCESS, ROLES } from './principal.js';
import type { Principal, Role } from './principal.js';

/** Turns the `Authorization` value of a request or websocket into the caller. */
export interface Authenticator {
  /** Whether callers are checked at all (false under `LEDGER_AUTH=none`). */
  readonly enabled: boolean;
  /** The caller behind "Bearer <JWT>"; UnauthenticatedError when missing, invalid or expired. */
  authenticate(authorization: unknown): Promise<Principal>;
}

export interface JwtAuthenticatorOptions {
  /** HS256 shared secret. */
  readonly secret?: string;
  /** An OIDC provider's key set (RS256, ES256), fetched and cached by jose. */
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** The claim holding the roles; a dotted path reaches into nested claims. Default `roles`. */
  readonly rolesClaim?: string;
  /** Allowed difference between the issuer's clock and ours, for exp and nbf. Default 5 s. */
  readonly clockToleranceSec?: number;
  readonly logger: Logger;
}

/** Authentication off: every caller is OPEN_ACCESS, whatever it sends. */
export const openAccess = (): Authenticator => ({ enabled: false, authenticate: async () => OPEN_ACCESS });

const BEARER = /^Bearer +([A-Za-z0-9\-_.]+)$/i;

const claimAt = (payload: JWTPayload, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined,
      payload,
    );

const rolesOf = (claim: unknown): Role[] => (Array.isArray(claim) ? ROLES.filter((role) => claim.includes(role)) : []);

/**
 * Verifies JWTs with jose: signature with the configured key and only its algorithms (HS256 for a
 * secret; RS256/ES256 for a key set, so neither `none` nor an HS token signed with a public key
 * passes), exp and nbf with a small tolerance, iss and aud when configured, `sub` and `exp` required.
 */
export function createJwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const { logger } = options;
  const rolesClaim = options.rolesClaim ?? 'roles';
  let key: Promise<CryptoKey> | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.secret !== undefined) {
    // Imported once: handing jose the raw bytes would import the key on every verification (~80x slower).
    key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(options.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    algorithms = ['HS256'];
  } else if (options.jwksUrl !== undefined) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
    algorithms = ['RS256', 'ES256'];
  } else {
    throw new Error('a JWT authenticator needs a secret or a key set URL');
  }
  const verifyOptions = {
    algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSec ?? 5,
    requiredClaims: ['sub', 'exp'],
  };

  const verify = async (token: string): Promise<JWTPayload> => {
    try {
      const verified =
        typeof key === 'function'
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, await key, verifyOptions);
      return verified.payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('the token has expired');
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw new UnauthenticatedError(
          error.reason === 'missing'
            ? `the token has no ${error.claim} claim, which is required`
            : `the token's ${error.claim} claim is not accepted`,
        );
      }
      // The key set could not be fetched: our outage, not the caller's fault.
      if (
        error instanceof errors.JWKSTimeout ||
        !(error instanceof errors.JOSEError) ||
        error.code === 'ERR_JOSE_GENERIC'
      ) {
        logger.error({ err: error }, 'cannot verify tokens: the key set is unavailable');
        throw new UnavailableError('tokens cannot be verified right now');
      }
      throw new UnauthenticatedError('the token is not valid');
    }
  };

  return {
    enabled: true,
    async authenticate(authorization) {
      if (authorization === undefined || authorization === null || authorization === '') {
        throw new UnauthenticatedError('a bearer token is required (Authorization: Bearer <JWT>)');
      }
      const token = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
      if (!token) throw new UnauthenticatedError('the Authorization value must be "Bearer <JWT>"');
      const payload = await verify(token);
      if (typeof payload.sub !== 'string' || payload.sub.trim() === '') {
        throw new UnauthenticatedError('the token has no subject');
      }
      // Every command records it as its actor: one it could not record is refused here, not at each write.
      if (payload.sub.length > MAX_ACTOR_LENGTH) {
        throw new UnauthenticatedError(`the token's subject is longer than ${MAX_ACTOR_LENGTH} characters`);
      }
      return {
        subject: payload.sub,
        roles: rolesOf(claimAt(payload, rolesClaim)),
        expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
      };
    },
  };
}
