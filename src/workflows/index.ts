/** Every workflow the worker runs; this module is the worker's `workflowsPath`. */
export { agentSession } from './agent-session';
export { dream } from './dream';
