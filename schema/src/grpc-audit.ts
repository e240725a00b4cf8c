import * as grpc from '@grpc/grpc-js';
import type { CommandAudit } from './commands.js';

// Request metadata of CommandService calls: the audit trail travels beside the command, not in it.
const ACTOR_KEY = 'ledger-actor';
const REQUEST_ID_KEY = 'ledger-request-id';

/** The call metadata carrying who asked (gateway side). */
export function auditToGrpc(audit: CommandAudit | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (audit?.actor) metadata.set(ACTOR_KEY, audit.actor);
  if (audit?.requestId) metadata.set(REQUEST_ID_KEY, audit.requestId);
  return metadata;
}

const text = (metadata: grpc.Metadata, key: string): string | undefined => {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Who asked, from a call's metadata (write-service side). */
export function auditFromGrpc(metadata: grpc.Metadata): CommandAudit {
  return { actor: text(metadata, ACTOR_KEY), requestId: text(metadata, REQUEST_ID_KEY) };
}
