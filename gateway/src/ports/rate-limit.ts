/** A rate limit's answer for one request. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Requests per second per subject (a token's subject, else the client's address). In process when
 * the gateway runs alone; in Redis when several gateways share one budget per subject.
 */
export interface RateLimit {
  /** Spends one request of the subject's budget for the current second. */
  take(subject: string): Promise<RateDecision>;
  close(): Promise<void>;
}
