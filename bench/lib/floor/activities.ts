/** The floor workflow's activities: they do nothing but wait, so what remains is what Temporal itself costs. */

/** Stands in for a model call that takes `latencyMs` (the same latency the scripted model answers with). */
export async function modelStandIn(latencyMs: number): Promise<void> {
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
}

/** Stands in for a tool call. */
export async function toolStandIn(): Promise<void> {}
