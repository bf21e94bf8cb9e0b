import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Lets the Temporal UI and `temporal workflow list --query` filter sessions by agent and status. */
export const LUCID_AGENT = defineSearchAttributeKey('LucidAgent', SearchAttributeType.KEYWORD);
export const LUCID_STATUS = defineSearchAttributeKey('LucidStatus', SearchAttributeType.KEYWORD);

/** Set on a thread's (sub-agent's) session: the session of the lead that delegated to it. */
export const LUCID_PARENT_SESSION = defineSearchAttributeKey('LucidParentSession', SearchAttributeType.KEYWORD);

export const LUCID_SEARCH_ATTRIBUTES = [LUCID_AGENT, LUCID_STATUS, LUCID_PARENT_SESSION] as const;
