import { formatChaosReport } from '../../scripts/lib/chaos/report';
import { runChaos, type ChaosOptions, type ChaosReport } from '../../scripts/lib/chaos/run-chaos';

/**
 * A short chaos run for one test file, started in its beforeAll with the prebuilt workflow bundle; `report()`
 * gives its report, and `expectEveryCheckPassed()` fails with the whole report and the driver's log if a check
 * failed, which is what one needs to see why.
 */
export function useChaosRun(options: Omit<ChaosOptions, 'log' | 'workflowBundle'>, timeoutMs: number) {
  let report: ChaosReport | undefined;
  const lines: string[] = [];
  beforeAll(async () => {
    report = await runChaos({
      ...options,
      workflowBundle: process.env.LUCID_TEST_WORKFLOW_BUNDLE,
      log: (line) => lines.push(line),
    });
  }, timeoutMs);
  const current = () => {
    if (!report) throw new Error('the chaos run did not finish');
    return report;
  };
  return {
    report: current,
    expectEveryCheckPassed() {
      const failed = current().checks.filter((check) => !check.ok);
      if (failed.length) throw new Error(`${formatChaosReport(current())}\n\ndriver log:\n${lines.join('\n')}`);
      expect(current().checks.map((check) => check.ok)).toEqual(current().checks.map(() => true));
    },
  };
}
