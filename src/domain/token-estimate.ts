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

/**
 * What one PDF page counts. The API reads each page as its text and as an image: its PDF guide puts the text at
 * 1,500 to 3,000 tokens a page, and the image at about an image's; the top of that range keeps the context
 * tracker from thinking a long PDF fits when it does not (compacting a little early costs less than a refused
 * request).
 */
export const PDF_PAGE_TOKENS = 3_000;

/** A PDF whose page objects cannot be seen (packed in compressed object streams) counts a page per this many bytes. */
export const PDF_BYTES_PER_UNSEEN_PAGE = 100_000;

/**
 * The estimate of a document's content (its title and context are counted apart, as text). A text document counts
 * as its text; a PDF by its pages: the `/Type /Page` objects in its bytes (`latin1`: one character a byte), or,
 * when they are packed out of sight, its size. The API server records this in each document block it accepts
 * (`estimated_tokens`, as the block names the file and not its bytes); the scripted model, which is sent the
 * bytes, works it out from them, so both count the same.
 */
export function documentContentTokens(mediaType: 'application/pdf' | 'text/plain', content: string): number {
  if (mediaType === 'text/plain') return estimateTokens(content);
  const pages = content.match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
  return PDF_PAGE_TOKENS * (pages || Math.max(1, Math.ceil(content.length / PDF_BYTES_PER_UNSEEN_PAGE)));
}

/** Token estimate of one content block or message content as it would appear in a request. */
export function estimateBlockTokens(block: unknown): number {
  return mediaBlockTokens(block) ?? estimateJsonTokens(withoutCacheControl(block));
}

/**
 * What an image or document block counts, not the size of its JSON (null for any other block): an image a fixed
 * {@link IMAGE_BLOCK_TOKENS}; a document its title and context as text plus its content's estimate, recorded in
 * the block (a file-sourced one, as Lucid's transcript holds it) or worked out from the bytes it carries.
 */
function mediaBlockTokens(block: unknown): number | null {
  if (!isRecord(block)) return null;
  if (block.type === 'image') return IMAGE_BLOCK_TOKENS;
  if (block.type !== 'document') return null;
  const content = documentTokensOf(block);
  if (content === null) return null;
  return estimateTokens(`${stringOr(block.title)}${stringOr(block.context)}`) + content;
}

function documentTokensOf(block: Record<string, unknown>): number | null {
  if (typeof block.estimated_tokens === 'number') return block.estimated_tokens;
  const source = isRecord(block.source) ? block.source : {};
  if (typeof source.data !== 'string') return null;
  if (source.type === 'text') return documentContentTokens('text/plain', source.data);
  if (source.type === 'base64' && source.media_type === 'application/pdf') {
    return documentContentTokens('application/pdf', bytesOfBase64(source.data));
  }
  return null;
}

/** The bytes of base64 data as `latin1` text, or empty when it is not base64 (its size then counts as one page). */
function bytesOfBase64(data: string): string {
  try {
    return atob(data);
  } catch {
    return '';
  }
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
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
  const tokens = mediaBlockTokens(value) ?? estimateTokens(json);
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
