import { temporal } from '@temporalio/proto';
import { LUCID_SEARCH_ATTRIBUTES } from './search-attributes';

type OperatorService = {
  listSearchAttributes(request: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
  addSearchAttributes(request: {
    namespace: string;
    searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType>;
  }): Promise<unknown>;
};

/**
 * Registers Lucid's search attributes when they are missing, so a bare `temporal server start-dev` works.
 * Where the cluster refuses (Temporal Cloud, restricted self-hosted), the error says exactly what to register.
 */
export async function ensureSearchAttributes(operatorService: OperatorService, namespace: string): Promise<void> {
  const existing = (await operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  const missing = LUCID_SEARCH_ATTRIBUTES.filter((key) => !(key.name in existing));
  if (missing.length === 0) return;
  try {
    await operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
  } catch (error) {
    if (/already exists/i.test(String((error as Error).message))) return; // another worker registered them first
    const commands = missing
      .map(
        (key) => `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type Keyword`,
      )
      .join('\n  ');
    throw new Error(
      `Lucid needs the search attributes ${missing.map((key) => key.name).join(', ')} and could not register them ` +
        `(${(error as Error).message}). Ask an operator to run:\n  ${commands}`,
      { cause: error },
    );
  }
}
