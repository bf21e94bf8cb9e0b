import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { truncateOutput } from '../workspace/tools';

/**
 * An MCP `tools/call` result as the text the model reads: text content as it is, other content as a notice of
 * what was left out, structured content as JSON when there is nothing else; truncated with a notice like any tool
 * output. A result that is not a valid CallToolResult is an error the model sees, never a crash.
 */
export function renderMcpResult(raw: unknown): { content: string; is_error: boolean } {
  const parsed = CallToolResultSchema.safeParse(raw);
  if (!parsed.success) return { content: 'the MCP server returned a malformed tool result', is_error: true };
  const result = parsed.data;
  const parts = result.content.map((block) => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'resource':
        return 'text' in block.resource
          ? String(block.resource.text)
          : `[binary resource ${block.resource.uri} not shown]`;
      case 'resource_link':
        return `[resource link: ${block.uri}]`;
      default:
        return `[${block.type} content (${'mimeType' in block ? block.mimeType : 'unknown type'}) not shown: Lucid passes text only]`;
    }
  });
  if (parts.length === 0 && result.structuredContent) parts.push(JSON.stringify(result.structuredContent));
  const text = parts.join('\n') || '(the tool returned no content)';
  return { content: truncateOutput(text), is_error: result.isError === true };
}
