/** List prices by model id prefix, and the cost of usage in cents (cache reads at 0.1×, cache writes at 1.25×). */
import { listCostCents, listPriceOf } from '../../src/domain/list-prices';

const usage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

test('a dated model id is priced as its family; an unknown model has no price', () => {
  expect(listPriceOf('claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
  expect(listPriceOf('claude-opus-4-5')).toEqual({ input: 5, output: 25 });
  expect(listPriceOf('claude-opus-4-1')).toEqual({ input: 15, output: 75 });
  expect(listPriceOf('scripted-small')).toBeNull();
  expect(listCostCents({ ...usage, input_tokens: 10 }, 'scripted-small')).toBeNull();
});

test('each kind of token is priced as the API prices it', () => {
  const million = 1_000_000;
  expect(listCostCents({ ...usage, input_tokens: million }, 'claude-sonnet-4-5')).toBeCloseTo(300);
  expect(listCostCents({ ...usage, output_tokens: million }, 'claude-sonnet-4-5')).toBeCloseTo(1500);
  expect(listCostCents({ ...usage, cache_read_input_tokens: million }, 'claude-sonnet-4-5')).toBeCloseTo(30);
  expect(listCostCents({ ...usage, cache_creation_input_tokens: million }, 'claude-sonnet-4-5')).toBeCloseTo(375);
});
