/** The judge's request text and the reading of its reply (src/domain/permission-judge.ts). */
import {
  judgeRequestText,
  MAX_JUDGED_INPUT_CHARS,
  parseJudgeReply,
  purposeOf,
} from '../../src/domain/permission-judge';

describe('the permission judge', () => {
  it('reads a verdict (allow, deny or ask) in the reply, and nothing from a reply without one', () => {
    expect(parseJudgeReply('Sure. {"verdict": "deny", "reason": "deletes files"}')).toEqual({
      verdict: 'deny',
      reason: 'deletes files',
    });
    expect(parseJudgeReply('{"verdict": "ask", "reason": "depends whose repository it is"}')).toEqual({
      verdict: 'ask',
      reason: 'depends whose repository it is',
    });
    for (const text of ['allow', '{"verdict": "maybe", "reason": "x"}', '{"verdict": "allow"}', '{not json}', '']) {
      expect(parseJudgeReply(text)).toBeNull();
    }
  });

  it('bounds what it hands the judge: the input is cut with a notice, the purpose is the description', () => {
    const text = judgeRequestText({ tool: 'write', input: { content: 'x'.repeat(50_000) }, purpose: 'notes' });
    expect(text.length).toBeLessThan(MAX_JUDGED_INPUT_CHARS + 500);
    expect(text).toContain('characters cut]');
    expect(purposeOf({ name: 'a', description: 'Writes notes.', system: 'secret prompt' })).toBe('a: Writes notes.');
    expect(purposeOf({ name: 'a', system: 'You write.' })).toBe('a: You write.');
  });
});
