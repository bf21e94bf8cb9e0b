import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Lets the Temporal UI and `temporal workflow list --query` filter sessions by agent and status. */
export const LUCID_AGENT = defineSearchAttributeKey('LucidAgent', SearchAttributeType.KEYWORD);
export const LUCID_STATUS = defineSearchAttributeKey('LucidStatus', SearchAttributeType.KEYWORD);

/**
 * The session's stop reason while it is idle or after it ended (`end_turn`, `max_turns_reached`, `refusal`,
 * `retries_exhausted`, or `error` for a terminal error); unset while it runs. `LucidStopReason = "error"` finds
 * the sessions that failed, which Temporal itself shows as COMPLETED.
 */
export const LUCID_STOP_REASON = defineSearchAttributeKey('LucidStopReason', SearchAttributeType.KEYWORD);

/** Set on a thread's (sub-agent's) session: the session of the lead that delegated to it. */
export const LUCID_PARENT_SESSION = defineSearchAttributeKey('LucidParentSession', SearchAttributeType.KEYWORD);

export const LUCID_SEARCH_ATTRIBUTES = [LUCID_AGENT, LUCID_STATUS, LUCID_STOP_REASON, LUCID_PARENT_SESSION] as const;
