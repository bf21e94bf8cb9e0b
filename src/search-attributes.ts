import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Lets the Temporal UI and `temporal workflow list --query` filter sessions by agent and status. */
export const LUCID_AGENT = defineSearchAttributeKey('LucidAgent', SearchAttributeType.KEYWORD);
export const LUCID_STATUS = defineSearchAttributeKey('LucidStatus', SearchAttributeType.KEYWORD);

export const LUCID_SEARCH_ATTRIBUTES = [LUCID_AGENT, LUCID_STATUS] as const;
