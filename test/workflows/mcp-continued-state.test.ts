/** The MCP tools a session offers are carried across continue-as-new, checked like the rest of its state. */
import fs from 'node:fs';
import path from 'node:path';
import { readContinuedSession } from '../../src/workflows/continued-session';

const fixture = path.join(__dirname, '..', 'fixtures', 'continued-session', 'v2-context.json');
const written = JSON.parse(fs.readFileSync(fixture, 'utf8')) as { continued: Record<string, unknown> };

const tool = {
  server: 'tickets',
  name: 'lookup',
  tool_name: 'lookup',
  description: 'Look up a ticket',
  input_schema: { type: 'object', properties: { id: { type: 'string' } } },
};

test('a state with its MCP tools reads back as it was written; a malformed tool list is refused', () => {
  const state = { ...written.continued, version: 4, mcp: { tools: [tool] } };
  expect(readContinuedSession({ continued: state })).toEqual({ ok: true, state });
  const bad = readContinuedSession({
    continued: { ...state, mcp: { tools: [{ ...tool, input_schema: { type: 'string' } }] } },
  });
  expect(bad.ok).toBe(false);
  expect(!bad.ok && bad.error).toContain('continued.mcp.tools.0.input_schema.type');
});
