/**
 * Ids follow the Managed Agents prefixes (`sesn_`, `sevt_`, ...). Clients must treat them as opaque.
 * Event ids are derived from the session id and the sequence number, so they are deterministic under replay
 * and a retried persistence activity rewrites the same id.
 */
export const ID_PREFIX = {
  session: 'sesn_',
  event: 'sevt_',
  agent: 'agent_',
  environment: 'env_',
  file: 'file_',
  sessionResource: 'sesrsc_',
} as const;

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A random id body from a caller-supplied random source (Math.random in workflows is replay-safe). */
export function randomIdBody(random: () => number, length = 24): string {
  let body = '';
  for (let index = 0; index < length; index++) body += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return body;
}

export function newSessionId(random: () => number = Math.random): string {
  return ID_PREFIX.session + randomIdBody(random);
}

/** An API agent's id; random, since agents are made outside workflows. */
export function newAgentId(random: () => number = Math.random): string {
  return ID_PREFIX.agent + randomIdBody(random);
}

/** An environment's id; random, as agents' are. */
export function newEnvironmentId(random: () => number = Math.random): string {
  return ID_PREFIX.environment + randomIdBody(random);
}

/** An uploaded file's id. */
export function newFileId(random: () => number = Math.random): string {
  return ID_PREFIX.file + randomIdBody(random);
}

/** A session resource's id (a file mounted in a session). */
export function newSessionResourceId(random: () => number = Math.random): string {
  return ID_PREFIX.sessionResource + randomIdBody(random);
}

export function eventId(sessionId: string, seq: number): string {
  const sessionPart = sessionId.startsWith(ID_PREFIX.session) ? sessionId.slice(ID_PREFIX.session.length) : sessionId;
  return `${ID_PREFIX.event}${sessionPart}_${seq}`;
}
