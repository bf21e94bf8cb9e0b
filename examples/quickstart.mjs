import Anthropic from '@anthropic-ai/sdk';

const { LUCID_BASE_URL = 'http://127.0.0.1:4080', LUCID_API_KEY = 'lucid-demo-key' } = process.env;
const client = new Anthropic({ baseURL: LUCID_BASE_URL, apiKey: LUCID_API_KEY });
const agent = await client.beta.agents.create({ name: 'Greeter', model: 'claude-sonnet-4-6' });
const { id: environment_id } = await client.beta.environments.create({ name: 'quickstart' });
const session = await client.beta.sessions.create({ agent: agent.id, environment_id });
const stream = await client.beta.sessions.events.stream(session.id); // opened first, it sees every event that follows
const hello = { type: 'user.message', content: [{ type: 'text', text: 'Hello! What are you running on?' }] };
await client.beta.sessions.events.send(session.id, { events: [hello] });
for await (const event of stream) {
  console.log(event.type, event.type === 'agent.message' ? event.content.map((block) => block.text).join('') : '');
  if (event.type === 'session.status_idle') break;
}
