import { z } from 'zod';
import { describeIssues } from '../domain/session-input';
import { invalidRequest } from './api-error';

/** `value` parsed by `schema`, or an invalid_request_error naming `part` ("body", "query") and what is wrong. */
export function parseOrRefuse<S extends z.ZodType>(schema: S, value: unknown, part: string): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw invalidRequest(`${part}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The query of a route that takes none. */
export const NoQuerySchema = z.strictObject({});
