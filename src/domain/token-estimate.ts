/**
 * The one token estimate Lucid and the scripted model share: a quarter of the characters of each prompt block's
 * JSON, rounded up. The scripted model bills usage, answers `count_tokens` and enforces its context window with it;
 * Lucid uses it to tell how full its next request will be. Sharing the numbers is what lets a test check that Lucid
 * never sent a request over the scripted model's window.
 *
 * Pure and free of Node built-ins, so the workflow bundle can import it.
 */

/** One block of a prompt, in the order the API builds its prefix: each tool, each system block, each content block. */
export interface PromptPiece {
  /** What identifies the piece in a prefix (the block without its `cache_control`, plus its role). */
  key: string;
  tokens: number;
  /** The piece carries `cache_control: {type: "ephemeral"}`. */
  breakpoint: boolean;
}

/** Deterministic token estimate: a quarter of the characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Token estimate of a value's JSON. */
export function estimateJsonTokens(value: unknown): number {
  return estimateTokens(JSON.stringify(value) ?? '');
}

/**
 * Every input token of a Messages request (system + tools + messages), cached or not: what `count_tokens`
 * answers and what a context window is measured against.
 */
export function countInputTokens(body: unknown): number {
  return promptPieces(body).reduce((sum, piece) => sum + piece.tokens, 0);
}

/**
 * What an image block counts, whatever its bytes: about what the API bills for the largest image it does not
 * scale down (1.15 megapixels / 750). Counting its base64 would make one photo look like a whole context window.
 */
export const IMAGE_BLOCK_TOKENS = 1_600;

/** Token estimate of one content block or message content as it would appear in a request. */
export function estimateBlockTokens(block: unknown): number {
  if (isImageBlock(block)) return IMAGE_BLOCK_TOKENS;
  return estimateJsonTokens(withoutCacheControl(block));
}

function isImageBlock(value: unknown): boolean {
  return isRecord(value) && value.type === 'image';
}

/** Flattens a Messages request into its prompt pieces: tools, then system, then messages. */
export function promptPieces(body: unknown): PromptPiece[] {
  const request = isRecord(body) ? body : {};
  const pieces: PromptPiece[] = [];
  for (const tool of asArray(request.tools)) pieces.push(piece('tool', tool));
  if (typeof request.system === 'string') pieces.push(piece('system', request.system));
  else for (const block of asArray(request.system)) pieces.push(piece('system', block));
  for (const message of asArray(request.messages)) {
    if (!isRecord(message)) continue;
    const role = String(message.role);
    // A marker on each message's first block keeps [a, b] in one message distinct from [a] and [b] in two.
    if (typeof message.content === 'string') pieces.push(piece(`${role}:start`, message.content));
    else
      asArray(message.content).forEach((block, index) =>
        pieces.push(piece(index === 0 ? `${role}:start` : role, block)),
      );
  }
  return pieces;
}

function piece(kind: string, value: unknown): PromptPiece {
  const breakpoint = isRecord(value) && isRecord(value.cache_control) && value.cache_control.type === 'ephemeral';
  // The breakpoint marker is not part of the content: moving it must not change the prefix it sits on.
  const json = JSON.stringify(withoutCacheControl(value)) ?? 'null';
  const tokens = isImageBlock(value) ? IMAGE_BLOCK_TOKENS : estimateTokens(json);
  return { key: `${kind}\u0000${json}`, tokens, breakpoint };
}

function withoutCacheControl(value: unknown): unknown {
  if (!isRecord(value) || !('cache_control' in value)) return value;
  const copy = { ...value };
  delete copy.cache_control;
  return copy;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
