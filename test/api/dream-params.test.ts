/**
 * The dream routes' query and body shapes at the edge, without a server: the status filter in both spellings,
 * defaults, and refusals of what the API does not have.
 */
import { ChangeListQuerySchema, DreamCreateSchema, DreamListQuerySchema } from '../../src/api/dreams/dream-params';

const inputs = [
  { type: 'memory_store', memory_store_id: 'memstore_abc' },
  { type: 'sessions', session_ids: ['sesn_b', 'sesn_a'] },
];

test('statuses arrive as statuses[] (the SDK) or statuses (by hand), once or repeated, and become one list', () => {
  expect(DreamListQuerySchema.parse({ 'statuses[]': 'completed' }).statuses).toEqual(['completed']);
  expect(DreamListQuerySchema.parse({ 'statuses[]': ['completed', 'failed'], statuses: 'canceled' }).statuses).toEqual([
    'completed',
    'failed',
    'canceled',
  ]);
  expect(DreamListQuerySchema.parse({})).toEqual({ limit: 20, include_archived: false, statuses: undefined });
  expect(ChangeListQuerySchema.parse({ statuses: ['pending', 'applied'], limit: '5' })).toEqual({
    limit: 5,
    statuses: ['pending', 'applied'],
  });
  expect(DreamListQuerySchema.safeParse({ 'statuses[]': 'dreaming' }).success).toBe(false);
  expect(ChangeListQuerySchema.safeParse({ 'statuses[]': 'canceled' }).success).toBe(false);
  expect(DreamListQuerySchema.safeParse({ 'created_at[gte]': '2026-12-01T00:00:00Z' }).success).toBe(false);
});

test('create defaults to review "auto" and refuses fields and entries the API does not have', () => {
  expect(DreamCreateSchema.parse({ inputs, model: 'm' })).toEqual({ inputs, model: 'm', review: 'auto' });
  const refused = [
    { inputs, model: 'm', tools: [] },
    { inputs: [...inputs, { type: 'sessions', session_ids: ['sesn_c'] }], model: 'm' },
    {
      inputs: [inputs[0], { type: 'sessions', session_ids: Array.from({ length: 101 }, (_, i) => `sesn_${i}`) }],
      model: 'm',
    },
    { inputs, model: { id: 'm', effort: 'high' } },
    { inputs, model: 'm', output_behavior: { type: 'update_existing' } },
    { inputs, model: 'm', instructions: 'x'.repeat(4097) },
  ];
  for (const body of refused) expect(DreamCreateSchema.safeParse(body).success).toBe(false);
});
