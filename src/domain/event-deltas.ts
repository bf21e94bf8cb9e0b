/**
 * Live text ("event_deltas"): while the model writes, the model activity records `event_start` / `event_delta`
 * previews of the `agent.message` events its answer will become, in a spool outside workflow history (which must
 * not grow with every token); the API server tails the spool. Each text block of an answer becomes one
 * `agent.message` and each tool call one `agent.tool_use`, in order, right after the request's
 * `span.model_request_start` (agent-session.ts, recordModelOutput), so the activity knows each preview's event id.
 *
 * Previews are redacted as the events are, and lag the model by {@link HELD_BACK_CHARS} (plus the longest known
 * secret), so that a secret still arriving is never recorded in part; the block's end sends the rest. The final
 * event carries the whole text and is what counts.
 */
import { z } from 'zod';
import { eventId } from './ids';
import { redactText } from './redact';

/** Enough to hold back any secret shape redact.ts matches until it is long enough to be recognised. */
export const HELD_BACK_CHARS = 256;

export const DeltaRecordSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('event_start'),
    /** Lucid's: the seq the event will have; the API sends only its id. */
    seq: z.number().int().min(1),
    event: z.strictObject({ id: z.string(), type: z.literal('agent.message') }),
  }),
  z.strictObject({
    type: z.literal('event_delta'),
    seq: z.number().int().min(1),
    event_id: z.string(),
    delta: z.strictObject({
      type: z.literal('content_delta'),
      content: z.strictObject({ type: z.literal('text'), text: z.string() }),
      index: z.literal(0),
    }),
  }),
]);
export type DeltaRecord = z.infer<typeof DeltaRecordSchema>;

/** The parts of the Messages API's stream events a preview needs. */
export type ModelStreamEvent =
  | { type: 'content_block_start'; index: number; content_block: { type: string } }
  | { type: 'content_block_delta'; index: number; delta: { type: string; text?: string } }
  | { type: 'content_block_stop'; index: number }
  | { type: string };

interface TextBlockState {
  text: string;
  /** Assigned at the first non-empty text: an empty block becomes no event. */
  seq: number | null;
  sent: string;
  /** Redaction rewrote what was already sent (it cannot be taken back): nothing more is previewed. */
  stopped: boolean;
}

/** Turns one model request's stream into preview records, for the request whose start event has `startSeq`. */
export class DeltaRecorder {
  private events = 0;
  private readonly texts = new Map<number, TextBlockState>();
  private readonly holdBack: number;

  constructor(
    private readonly sessionId: string,
    private readonly startSeq: number,
    private readonly secrets: readonly string[] = [],
  ) {
    this.holdBack = HELD_BACK_CHARS + Math.max(0, ...secrets.map((secret) => secret.length));
  }

  /** The records one stream event adds (often none). */
  take(event: ModelStreamEvent): DeltaRecord[] {
    if (event.type === 'content_block_start' && 'content_block' in event) {
      if (event.content_block.type === 'tool_use') this.events++;
      if (event.content_block.type === 'text')
        this.texts.set(event.index, { text: '', seq: null, sent: '', stopped: false });
      return [];
    }
    const block = 'index' in event ? this.texts.get(event.index) : undefined;
    if (!block) return [];
    if (event.type === 'content_block_delta' && 'delta' in event && event.delta.type === 'text_delta') {
      block.text += event.delta.text ?? '';
      return [...this.started(block), ...this.delta(block, false)];
    }
    if (event.type === 'content_block_stop') return this.delta(block, true);
    return [];
  }

  private started(block: TextBlockState): DeltaRecord[] {
    if (block.seq !== null || block.text.length === 0) return [];
    block.seq = this.startSeq + 1 + this.events++;
    return [
      { type: 'event_start', seq: block.seq, event: { id: eventId(this.sessionId, block.seq), type: 'agent.message' } },
    ];
  }

  private delta(block: TextBlockState, final: boolean): DeltaRecord[] {
    if (block.seq === null || block.stopped) return [];
    const safe = redactText(block.text, this.secrets);
    if (!safe.startsWith(block.sent)) {
      block.stopped = true;
      return [];
    }
    const upTo = final ? safe.length : Math.max(block.sent.length, safe.length - this.holdBack);
    if (upTo <= block.sent.length) return [];
    const text = safe.slice(block.sent.length, upTo);
    block.sent = safe.slice(0, upTo);
    return [
      {
        type: 'event_delta',
        seq: block.seq,
        event_id: eventId(this.sessionId, block.seq),
        delta: { type: 'content_delta', content: { type: 'text', text }, index: 0 },
      },
    ];
  }
}
