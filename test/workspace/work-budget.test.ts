/** The search budget shares the event loop and stops a search once its time is spent. */
import { WorkBudget } from '../../src/workspace/work-budget';

describe('WorkBudget', () => {
  test('a pause lets work queued meanwhile run', async () => {
    const budget = new WorkBudget();
    let ran = false;
    setImmediate(() => (ran = true));
    expect(await budget.pause()).toBe(true);
    expect(ran).toBe(true);
    expect(budget.exhausted).toBe(false);
  });

  test('a spent budget ends the search at the next pause and says so', async () => {
    const budget = new WorkBudget(undefined, 0);
    expect(await budget.pause()).toBe(false);
    expect(budget.exhausted).toBe(true);
  });

  test('a pause honours cancellation', async () => {
    const controller = new AbortController();
    const budget = new WorkBudget(controller.signal);
    controller.abort();
    await expect(budget.pause()).rejects.toThrow();
  });
});
