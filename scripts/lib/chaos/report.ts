/** The chaos run's printed summary: one table of checks, one of injected faults and disruptions. */
import { formatTable } from '../../../bench/lib/table';
import { FAULT_KINDS } from '../../../src/scripted-model/faults';
import type { ChaosReport } from './run-chaos';

export function formatChaosReport(report: ChaosReport): string {
  const checks = formatTable([
    ['check', 'result', 'detail'],
    ...report.checks.map((check) => [check.name, check.ok ? 'PASS' : 'FAIL', check.detail]),
  ]);
  const counts = formatTable([
    ['injected', 'count'],
    ...FAULT_KINDS.map((kind) => [
      `model ${kind === 'drop' || kind === 'stall' ? kind : `HTTP ${kind}`}`,
      String(report.faults[kind]),
    ]),
    ['worker SIGKILLs', String(report.worker_kills)],
    ['dev server restarts', String(report.server_restarts)],
    ...(report.store === 'postgres' ? [['PostgreSQL restarts', String(report.postgres_restarts)]] : []),
    ['worker exits on its own', String(report.unexpected_worker_exits)],
  ]);
  const total = FAULT_KINDS.reduce((sum, kind) => sum + report.faults[kind], 0);
  const summary =
    `${report.sessions.planned} sessions + ${report.sessions.threads} threads + 1 dream; ${report.model_requests} model requests, ` +
    `${total} with a fault; ${report.store} store; ${Math.round(report.runtime_ms / 1000)} s`;
  return [checks, '', counts, '', summary, report.ok ? 'CHAOS: every check passed' : 'CHAOS: FAILED'].join('\n');
}
