/** The API lifecycle in session input: only `lifecycle: "api"` starts without a message, and has no keep-alive. */
import { describeIssues, SessionInputSchema } from '../../src/domain/session-input';

const agent = { name: 'a', model: 'x' };

function problems(input: unknown): string {
  const parsed = SessionInputSchema.safeParse(input);
  return parsed.success ? '' : describeIssues(parsed.error);
}

test('an API session may start without a message; any other needs one', () => {
  expect(problems({ agent, lifecycle: 'api' })).toBe('');
  expect(problems({ agent, lifecycle: 'api', message: 'Begin' })).toBe('');
  expect(problems({ agent })).toMatch(/^message: a message is required/);
  expect(problems({ agent, message: 'Hello', keep_alive_seconds: 60 })).toBe('');
});

test('an API session refuses keep_alive_seconds, and no other lifecycle exists', () => {
  expect(problems({ agent, lifecycle: 'api', keep_alive_seconds: 60 })).toMatch(/^keep_alive_seconds: /);
  expect(problems({ agent, message: 'Hello', lifecycle: 'forever' })).toMatch(/^lifecycle: /);
});
