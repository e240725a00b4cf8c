import { DiscardPolicy, ErrorCode, RetentionPolicy, StorageType, nanos } from 'nats';
import type { JetStreamManager, MsgHdrs, NatsError } from 'nats';

/** Header carrying the ledger's own per-partition sequence (JetStream's sequence is per stream). */
export const SEQUENCE_HEADER = 'Ledger-Sequence';

export interface StreamSettings {
  readonly name: string;
  readonly subjectPrefix: string;
  readonly retainPerPartition: number;
  readonly duplicateWindowMs: number;
  readonly replicas: number;
}

export const partitionSubject = (prefix: string, partition: number): string => `${prefix}.events.${partition}`;

export function ledgerSequence(headers: MsgHdrs | undefined): number {
  const value = Number(headers?.get(SEQUENCE_HEADER));
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`message without a valid ${SEQUENCE_HEADER}`);
  return value;
}

const STREAM_NAME_IN_USE = 10058;

/** Creates the stream, or brings an existing one to this configuration (both are idempotent). */
export async function ensureStream(jsm: JetStreamManager, settings: StreamSettings): Promise<void> {
  const config = {
    name: settings.name,
    subjects: [`${settings.subjectPrefix}.events.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    // Like the in-process bus: the newest events of each partition; older ones come from the store.
    max_msgs_per_subject: settings.retainPerPartition,
    // Nats-Msg-Id de-duplication: a restarted forwarder republishing its last batch adds nothing.
    duplicate_window: nanos(settings.duplicateWindowMs),
    num_replicas: settings.replicas,
  };
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if ((error as NatsError).api_error?.err_code !== STREAM_NAME_IN_USE) throw error;
    const { name: _name, storage: _storage, ...changeable } = config;
    await jsm.streams.update(settings.name, changeable);
  }
}

const isNoMessage = (error: unknown): boolean => (error as NatsError).code === ErrorCode.JetStream404NoMessages;

/** The first message on `subject` at or after stream sequence `from`, or null. */
async function nextOnSubject(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  from: number,
): Promise<{ streamSequence: number; sequence: number } | null> {
  try {
    // MSG.GET takes `next_by_subj` (server 2.9+), though the client's type only lists `seq`.
    const query = { seq: from, next_by_subj: subject };
    const message = await jsm.streams.getMessage(stream, query);
    return { streamSequence: message.seq, sequence: ledgerSequence(message.header) };
  } catch (error) {
    if (isNoMessage(error)) return null;
    throw error;
  }
}

/** The ledger sequence of the newest event the stream holds for `subject`, 0 when none. */
export async function lastSequenceOn(jsm: JetStreamManager, stream: string, subject: string): Promise<number> {
  try {
    return ledgerSequence((await jsm.streams.getMessage(stream, { last_by_subj: subject })).header);
  } catch (error) {
    if (isNoMessage(error)) return 0;
    throw error;
  }
}

/**
 * The stream sequence to start a consumer at so that the first message on `subject` it sees is
 * the first with a ledger sequence above `after`. Ledger sequences grow with stream sequences
 * within a subject, so a binary search over the stream takes O(log n) direct gets.
 */
export async function streamStartAfter(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  after: number,
): Promise<number> {
  const { state } = await jsm.streams.info(stream);
  let lo = Math.max(1, state.first_seq);
  let hi = state.last_seq + 1;
  if (after <= 0 || lo >= hi) return lo;
  // Common case: a caught-up subscriber only wants what comes next.
  if ((await lastSequenceOn(jsm, stream, subject)) <= after) return hi;
  // `target` is the first message at or after hi: the answer once lo meets hi.
  let target = hi;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const next = await nextOnSubject(jsm, stream, subject, mid);
    if (next === null || next.sequence > after) {
      hi = mid;
      target = next?.streamSequence ?? state.last_seq + 1;
    } else lo = Math.min(next.streamSequence + 1, hi);
  }
  return target;
}
