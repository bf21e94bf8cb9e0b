/**
 * Public list prices of the models a session budget can be enforced for, in US dollars per million tokens, and the
 * cost of usage at them. Pure data and arithmetic: the session workflow prices its usage with it deterministically.
 * Cache reads cost a tenth of the input price and cache writes (5-minute) 1.25 times it, as the API prices them.
 */
import type { Usage } from './usage';

interface ListPrice {
  input: number;
  output: number;
}

/** By model id prefix, the most specific first (dated ids such as claude-sonnet-4-5-20250929 match too). */
const LIST_PRICES: ReadonlyArray<[prefix: string, price: ListPrice]> = [
  ['claude-opus-4-5', { input: 5, output: 25 }],
  ['claude-opus-4', { input: 15, output: 75 }],
  ['claude-sonnet-4', { input: 3, output: 15 }],
  ['claude-haiku-4-5', { input: 1, output: 5 }],
  ['claude-3-5-haiku', { input: 0.8, output: 4 }],
];

export function listPriceOf(model: string): ListPrice | null {
  return LIST_PRICES.find(([prefix]) => model.startsWith(prefix))?.[1] ?? null;
}

/** What `usage` costs on `model`, in US cents (fractional); null when the model has no list price here. */
export function listCostCents(usage: Usage, model: string): number | null {
  const price = listPriceOf(model);
  if (!price) return null;
  const dollars =
    (usage.input_tokens * price.input +
      usage.cache_read_input_tokens * price.input * 0.1 +
      usage.cache_creation_input_tokens * price.input * 1.25 +
      usage.output_tokens * price.output) /
    1_000_000;
  return dollars * 100;
}
