/** Scripted-model replies for a dream's two model loops: reflection (`record_lessons`) and consolidation. */
import type { Rule } from '../../src/scripted-model/scenario';

/** Reflection on each session answers with one lesson, citing the given event seqs. */
export function lessonsReply(text: string, evidenceSeqs: number[] = [1]): Rule {
  return lessonsOfReply([{ text, evidenceSeqs, kind: 'mistake' }]);
}

/** Reflection on each session answers with these lessons, each citing its own event seqs. */
export function lessonsOfReply(lessons: Array<{ text: string; evidenceSeqs: number[]; kind?: string }>): Rule {
  return {
    match: { tools_include: 'record_lessons' },
    reply: {
      content: [
        {
          type: 'tool_use',
          name: 'record_lessons',
          input: {
            lessons: lessons.map(({ text, evidenceSeqs, kind = 'fact' }) => ({
              text,
              kind,
              evidence_seqs: evidenceSeqs,
            })),
          },
        },
      ],
    },
  };
}

/** Consolidation answers with these proposed changes. */
export function changesReply(changes: Array<Record<string, unknown>>): Rule {
  return {
    match: { tools_include: 'propose_changes' },
    reply: { content: [{ type: 'tool_use', name: 'propose_changes', input: { changes } }] },
  };
}

/** A proposed change that adds a memory, drawn from lesson 1 (or the lessons given). */
export function addChange(filePath: string, content: string, rationale = `keep ${filePath}`, lessonNumbers = [1]) {
  return { op: 'add', path: filePath, content, rationale, lesson_numbers: lessonNumbers };
}
