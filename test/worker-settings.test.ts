/** Worker settings from the environment: Lucid's defaults, overrides, and clear errors for bad values. */
import { DEFAULT_WORKER_SETTINGS, workerOptionsOf, workerSettings, WorkerSettingsError } from '../src/worker-settings';

describe('workerSettings', () => {
  it("is Lucid's defaults when nothing is set (or a variable is empty)", () => {
    expect(workerSettings({})).toEqual(DEFAULT_WORKER_SETTINGS);
    expect(workerSettings({ LUCID_MAX_CONCURRENT_ACTIVITIES: '  ' })).toEqual(DEFAULT_WORKER_SETTINGS);
  });

  it('applies each override', () => {
    const settings = workerSettings({
      LUCID_MAX_CONCURRENT_ACTIVITIES: '250',
      LUCID_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
      LUCID_MAX_CACHED_WORKFLOWS: '300',
      LUCID_ACTIVITY_POLLERS: '4',
      LUCID_WORKFLOW_TASK_POLLERS: ' 6 ',
    });
    expect(settings).toEqual({
      maxConcurrentActivityTaskExecutions: 250,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxCachedWorkflows: 300,
      activityTaskPollers: 4,
      workflowTaskPollers: 6,
    });
  });

  it.each([
    [
      'LUCID_MAX_CONCURRENT_ACTIVITIES',
      'lots',
      /LUCID_MAX_CONCURRENT_ACTIVITIES must be a whole number from 1 to 100000, got "lots"/,
    ],
    ['LUCID_MAX_CONCURRENT_ACTIVITIES', '0', /from 1 to/],
    ['LUCID_MAX_CONCURRENT_ACTIVITIES', '1.5', /got "1.5"/],
    ['LUCID_MAX_CONCURRENT_ACTIVITIES', '-3', /got "-3"/],
    ['LUCID_MAX_CONCURRENT_WORKFLOW_TASKS', '1', /LUCID_MAX_CONCURRENT_WORKFLOW_TASKS must be a whole number from 2/],
    ['LUCID_MAX_CACHED_WORKFLOWS', '0', /LUCID_MAX_CACHED_WORKFLOWS must be a whole number from 2/],
    ['LUCID_WORKFLOW_TASK_POLLERS', '1e3', /got "1e3"/],
  ])('rejects %s=%s with a message naming it', (name, value, message) => {
    expect(() => workerSettings({ [name]: value })).toThrow(WorkerSettingsError);
    expect(() => workerSettings({ [name]: value })).toThrow(message);
  });

  it('rejects a sticky cache smaller than the workflow-task slots, which the SDK would quietly shrink', () => {
    expect(() =>
      workerSettings({ LUCID_MAX_CACHED_WORKFLOWS: '10', LUCID_MAX_CONCURRENT_WORKFLOW_TASKS: '20' }),
    ).toThrow(
      /LUCID_MAX_CACHED_WORKFLOWS \(10\) must be at least the workflow-task slots \(20, LUCID_MAX_CONCURRENT_WORKFLOW_TASKS\)/,
    );
  });
});

describe('workerOptionsOf', () => {
  it('turns the settings into Worker.create options, leaving an unset cache size to the SDK', () => {
    const options = workerOptionsOf({
      ...DEFAULT_WORKER_SETTINGS,
      maxCachedWorkflows: undefined,
      activityTaskPollers: 3,
      workflowTaskPollers: 5,
    });
    expect(options).not.toHaveProperty('maxCachedWorkflows');
    expect(options.activityTaskPollerBehavior).toEqual({ type: 'simple-maximum', maximum: 3 });
    expect(options.workflowTaskPollerBehavior).toEqual({ type: 'simple-maximum', maximum: 5 });
    expect(workerOptionsOf({ ...DEFAULT_WORKER_SETTINGS, maxCachedWorkflows: 600 }).maxCachedWorkflows).toBe(600);
  });
});
