import type { AppendRequest, AppendResult, FollowUpResult } from '../ports/event-store.js';
import { withLeadPositions } from './envelopes.js';

/**
 * An append and its follow-up (AppendRequest.followedBy) for a store that commits each in a
 * transaction of its own: the follow-up right after its lead has appended, with the lead's positions.
 * Its failure, whatever it is, is reported in the result: the lead's outcome stands.
 */
export async function appendThenFollowUp(
  appendOne: (request: AppendRequest) => Promise<AppendResult>,
  request: AppendRequest,
): Promise<AppendResult> {
  const result = await appendOne(request);
  if (result.status !== 'appended' || !request.followedBy) return result;
  let followedBy: FollowUpResult;
  try {
    followedBy = await appendOne(withLeadPositions(request.followedBy, result.events));
  } catch (error) {
    followedBy = { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  return { ...result, followedBy };
}
