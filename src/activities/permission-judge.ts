import type Anthropic from '@anthropic-ai/sdk';
import { redactDeep, redactText, secretsFromEnvironment } from '../domain/redact';
import {
  DEFAULT_JUDGE_MODEL,
  JUDGE_MAX_TOKENS,
  JUDGE_SYSTEM_PROMPT,
  judgeRequestText,
  parseJudgeReply,
  type JudgedCall,
  type JudgeVerdict,
} from '../domain/permission-judge';
import { withActivityBoundary } from './boundary';
import { toModelFailure } from './model-errors';

/** One judged call; the ids are for the Temporal UI and logs, not for the judge. */
export type JudgeToolCallInput = JudgedCall & { sessionId: string; toolUseId: string };

/**
 * The `auto` policy's judge as an activity (src/domain/permission-judge.ts). It only reads, so Temporal retries it
 * as it retries the grader: transient model errors retryable, bad requests not. A reply without a verdict is no
 * error: it comes back as `ask`, and the call waits for a human. The model is the worker's
 * `LUCID_PERMISSION_JUDGE_MODEL`, else {@link DEFAULT_JUDGE_MODEL}.
 */
export function createPermissionJudgeActivities({
  anthropic,
  model = process.env.LUCID_PERMISSION_JUDGE_MODEL || DEFAULT_JUDGE_MODEL,
  secrets = secretsFromEnvironment(),
}: {
  anthropic: Anthropic;
  model?: string;
  secrets?: string[];
}) {
  async function judgeToolCall(input: JudgeToolCallInput): Promise<JudgeVerdict> {
    const call = redactDeep({ tool: input.tool, input: input.input, purpose: input.purpose }, secrets);
    let text: string;
    try {
      const message = await anthropic.messages.create({
        model,
        max_tokens: JUDGE_MAX_TOKENS,
        system: JUDGE_SYSTEM_PROMPT,
        messages: [{ role: 'user', content: judgeRequestText(call) }],
      });
      text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
    } catch (error) {
      throw toModelFailure(error);
    }
    const reply = parseJudgeReply(text);
    if (reply) return { ...reply, reason: redactText(reply.reason, secrets), model };
    return { verdict: 'ask', reason: 'the permission judge gave no verdict it could read', model };
  }
  return withActivityBoundary({ judgeToolCall }, { secrets });
}
