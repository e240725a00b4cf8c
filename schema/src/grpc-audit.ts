import * as grpc from '@grpc/grpc-js';
import type { CommandAudit } from './commands.js';

// Request metadata of CommandService calls: the audit trail travels beside the command, not in it.
const ACTOR_KEY = 'ledger-actor';
const ACTOR_BIN_KEY = 'ledger-actor-bin';
const REQUEST_ID_KEY = 'ledger-request-id';

/** The call metadata carrying who asked (gateway side). */
export function auditToGrpc(audit: CommandAudit | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  // Binary (base64 on the wire): a text value must be printable ASCII, and HTTP/2 trims its spaces,
  // where an actor is a token's subject, any text.
  if (audit?.actor) metadata.set(ACTOR_BIN_KEY, Buffer.from(audit.actor, 'utf8'));
  if (audit?.requestId) metadata.set(REQUEST_ID_KEY, audit.requestId);
  return metadata;
}

const text = (metadata: grpc.Metadata, key: string): string | undefined => {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Who asked, from a call's metadata (write-service side). */
export function auditFromGrpc(metadata: grpc.Metadata): CommandAudit {
  const binary = metadata.get(ACTOR_BIN_KEY)[0];
  // The text key is what earlier gateways sent, and callers of the API that need only ASCII.
  const actor = Buffer.isBuffer(binary) && binary.length > 0 ? binary.toString('utf8') : text(metadata, ACTOR_KEY);
  return { actor, requestId: text(metadata, REQUEST_ID_KEY) };
}
