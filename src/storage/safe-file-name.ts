/**
 * Any id (a workflow id can hold '/', '..' and more) as one safe file or folder name: percent-encoded, with the
 * dots of '.' and '..' encoded too, which encodeURIComponent leaves alone.
 */
export function safeFileName(id: string): string {
  const encoded = encodeURIComponent(id);
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}
