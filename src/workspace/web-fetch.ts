import { hostAllowed } from '../domain/host-allowlist';
import { WorkspaceError } from './sandbox';

/**
 * The web_fetch tool, run on the worker: GET an http(s) URL whose host is on the worker's allowlist and return
 * its text. The allowlist is `LUCID_NETWORK_ALLOWED_HOSTS` (src/domain/host-allowlist.ts), the same one the
 * shell's proxy follows. With no allowlist web_fetch is not offered to the model at all (src/activities/index.ts).
 *
 * Redirects are followed by hand, at most {@link MAX_REDIRECTS}, each target checked against the allowlist, so
 * an allowed host cannot bounce the worker to another one. Bounded in time and size; HTML comes back as text.
 */

export const MAX_FETCH_SECONDS = 30;
/** Largest response body read; past it the body is cut (and the output is truncated to the usual cap anyway). */
export const MAX_FETCH_BYTES = 5 * 1024 * 1024;
export const MAX_REDIRECTS = 5;
export const WEB_FETCH_TOOL_NAME = 'web_fetch';

export interface FetchOptions {
  allowlist: readonly string[];
  signal?: AbortSignal;
}

/** Fetches `url` and returns a short header line and the body as text; refusals are {@link WorkspaceError}s. */
export async function fetchWebPage(url: string, options: FetchOptions): Promise<string> {
  const timeout = AbortSignal.timeout(MAX_FETCH_SECONDS * 1000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let target = checkedUrl(url, options.allowlist);
  for (let redirects = 0; ; redirects++) {
    const response = await get(target, signal, timeout);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      if (redirects >= MAX_REDIRECTS) throw refused(`more than ${MAX_REDIRECTS} redirects from ${url}`);
      target = checkedUrl(new URL(location, target).href, options.allowlist, target.href);
      continue;
    }
    const body = await readBody(response, signal, timeout);
    const type = response.headers.get('content-type') ?? '';
    const text = /html/i.test(type) ? htmlToText(body.text) : body.text;
    const header = `${response.status} ${response.statusText} ${target.href} (${type || 'no content type'})`;
    const cut = body.cut ? `\n[body cut after ${MAX_FETCH_BYTES} bytes]` : '';
    return `${header}\n\n${text}${cut}`;
  }
}

function checkedUrl(spelled: string, allowlist: readonly string[], redirectedFrom?: string): URL {
  let url: URL;
  try {
    url = new URL(spelled);
  } catch {
    throw refused(`"${spelled}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(`only http and https URLs can be fetched`);
  if (!hostAllowed(url.hostname, allowlist)) {
    const how = redirectedFrom ? `${redirectedFrom} redirects to ${url.host}, which` : `${url.host}`;
    throw refused(`${how} is not an allowed host (allowed: ${allowlist.join(', ')})`);
  }
  return url;
}

async function get(url: URL, signal: AbortSignal, timeout: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'manual', signal, headers: { 'user-agent': 'lucid-web-fetch' } });
  } catch (error) {
    throw networkFailure(error, url.href, timeout);
  }
}

async function readBody(
  response: Response,
  signal: AbortSignal,
  timeout: AbortSignal,
): Promise<{ text: string; cut: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  try {
    for await (const chunk of response.body ?? []) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_FETCH_BYTES) {
        cut = true;
        break; // leaving the loop cancels the stream, so the rest is never read
      }
    }
  } catch (error) {
    throw networkFailure(error, response.url, timeout);
  }
  signal.throwIfAborted();
  const bytes = Buffer.concat(chunks).subarray(0, MAX_FETCH_BYTES);
  return { text: new TextDecoder('utf-8').decode(bytes), cut };
}

/** A timeout or an unreachable host is the model's to hear about; the session's own cancellation is rethrown. */
function networkFailure(error: unknown, url: string, timeout: AbortSignal): unknown {
  if (timeout.aborted) return refused(`${url} did not answer within ${MAX_FETCH_SECONDS} seconds`);
  if ((error as Error).name === 'AbortError') return error;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return refused(`fetching ${url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
}

function refused(why: string): WorkspaceError {
  return new WorkspaceError('invalid_input', `web_fetch refused: ${why}.`);
}

/** HTML as readable text, simply: scripts, styles and comments dropped, tags removed, common entities decoded. */
export function htmlToText(html: string): string {
  return withoutBlocks(html)
    .replace(/<(br|\/p|\/div|\/li|\/h[1-6]|\/tr)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Blocks whose content is not text, each with the marker that ends it. */
const SKIPPED_BLOCKS: readonly [RegExp, string][] = [
  [/<script\b/iy, '</script'],
  [/<style\b/iy, '</style'],
  [/<noscript\b/iy, '</noscript'],
  [/<!--/y, '-->'],
];

/**
 * Drops script, style, noscript and comment blocks in one pass (an unclosed one runs to the end). A loop with
 * indexOf rather than a lazy regex, which would rescan the rest of a 5 MB page for every unclosed opener.
 */
function withoutBlocks(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let copied = 0;
  for (let at = html.indexOf('<'); at !== -1; at = html.indexOf('<', at + 1)) {
    const block = SKIPPED_BLOCKS.find(([opener]) => {
      opener.lastIndex = at;
      return opener.test(html);
    });
    if (!block) continue;
    out += html.slice(copied, at);
    const close = lower.indexOf(block[1], at + 1);
    if (close === -1) return out;
    const end = html.indexOf('>', close);
    if (end === -1) return out;
    copied = end + 1;
    at = end;
  }
  return out + html.slice(copied);
}
