/**
 * A stored session event in the API's wire shape. A minimal stand-in on the sessions branch, which answers
 * events.send with it: the events branch owns this module and its full mapping replaces this one at merge.
 */
import type { SessionEvent } from '../../domain/events';

export function toApiEvent(event: SessionEvent): SessionEvent {
  return event;
}
