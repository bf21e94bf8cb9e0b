/** `client.beta.agents` and `client.beta.agents.versions`: the routes, each checking its input with zod first. */
import type { FastifyInstance } from 'fastify';
import { parseOrRefuse } from '../validate';
import {
  AgentCreateSchema,
  AgentListQuerySchema,
  AgentPathSchema,
  AgentRetrieveQuerySchema,
  AgentUpdateSchema,
  VersionListQuerySchema,
} from './agent-params';
import type { AgentService } from './agent-service';

export function agentRoutes(app: FastifyInstance, agents: AgentService): void {
  app.post('/v1/agents', async (request) => agents.create(parseOrRefuse(AgentCreateSchema, request.body, 'body')));

  app.get('/v1/agents', async (request) => agents.list(parseOrRefuse(AgentListQuerySchema, request.query, 'query')));

  app.get('/v1/agents/:agent_id', async (request) => {
    const { agent_id } = parseOrRefuse(AgentPathSchema, request.params, 'path');
    const { version } = parseOrRefuse(AgentRetrieveQuerySchema, request.query, 'query');
    return agents.retrieve(agent_id, version);
  });

  app.post('/v1/agents/:agent_id', async (request) => {
    const { agent_id } = parseOrRefuse(AgentPathSchema, request.params, 'path');
    return agents.update(agent_id, parseOrRefuse(AgentUpdateSchema, request.body, 'body'));
  });

  app.post('/v1/agents/:agent_id/archive', async (request) => {
    const { agent_id } = parseOrRefuse(AgentPathSchema, request.params, 'path');
    return agents.archive(agent_id);
  });

  app.get('/v1/agents/:agent_id/versions', async (request) => {
    const { agent_id } = parseOrRefuse(AgentPathSchema, request.params, 'path');
    return agents.versions(agent_id, parseOrRefuse(VersionListQuerySchema, request.query, 'query'));
  });
}
