/**
 * The checks the real Messages API makes on a transcript's shape, so a client bug (a tool_result without its
 * tool_use, roles out of order) fails a test with the same 400 the real API would send, instead of passing.
 */
type Block = { type?: string; id?: string; tool_use_id?: string };
type Message = { role?: string; content?: unknown };

/** Returns the first problem with the request's messages, or null when they are well formed. */
export function transcriptProblem(body: unknown): string | null {
  const messages = (body as { messages?: unknown })?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  if ((messages[0] as Message).role !== 'user') return 'messages.0.role: the first message must use the "user" role';
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as Message;
    if (message.role !== 'user' && message.role !== 'assistant')
      return `messages.${index}.role: must be "user" or "assistant"`;
    if (index > 0 && (messages[index - 1] as Message).role === message.role) {
      return `messages.${index}: roles must alternate between "user" and "assistant"`;
    }
    const blocks = blocksOf(message.content);
    if (blocks.length === 0 && typeof message.content !== 'string')
      return `messages.${index}.content: must not be empty`;
    const problem = toolResultProblem(
      blocks,
      index,
      index > 0 ? blocksOf((messages[index - 1] as Message).content) : [],
    );
    if (problem) return problem;
  }
  return null;
}

function toolResultProblem(blocks: Block[], index: number, previous: Block[]): string | null {
  const results = blocks.filter((block) => block.type === 'tool_result');
  const toolUseIds = new Set(previous.filter((block) => block.type === 'tool_use').map((block) => block.id));
  for (const result of results) {
    if (!toolUseIds.has(result.tool_use_id)) {
      return `messages.${index}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${result.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
  }
  if (toolUseIds.size > 0 && results.length < toolUseIds.size) {
    return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after`;
  }
  return null;
}

function blocksOf(content: unknown): Block[] {
  return Array.isArray(content) ? (content as Block[]) : [];
}
