/**
 * Two jest projects. `integration` runs against a real Temporal dev server that its global setup starts once per
 * run (test/global-setup.ts); `unit` is everything else and needs no server, so `npm run test:unit` is quick.
 * A test belongs to `integration` when it connects to Temporal (test/helpers/temporal.ts or session.ts, the CLI
 * against a server, or a server of its own): list it in INTEGRATION_TESTS. `npx jest` runs both projects.
 */
const INTEGRATION_TESTS = [
  '<rootDir>/test/api/activity-tools-sdk.test.ts',
  '<rootDir>/test/api/custom-tools-sdk.test.ts',
  '<rootDir>/test/api/tool-confirmations-sdk.test.ts',
  '<rootDir>/test/api/dreams-sdk.test.ts',
  '<rootDir>/test/api/events-session.test.ts',
  '<rootDir>/test/api/message-documents.test.ts',
  '<rootDir>/test/api/mcp-session-sdk.test.ts',
  '<rootDir>/test/api/message-media.test.ts',
  '<rootDir>/test/api/sdk-journey.test.ts',
  '<rootDir>/test/api/session-resources-sdk.test.ts',
  '<rootDir>/test/api/server-process.test.ts',
  '<rootDir>/test/api/temporal-cli-interop.test.ts',
  '<rootDir>/test/api/sessions-sdk.test.ts',
  '<rootDir>/test/api/session-wiring.test.ts',
  '<rootDir>/test/api/threads-session.test.ts',
  '<rootDir>/test/cli/lucid.test.ts',
  '<rootDir>/test/cli/memory-dreams.test.ts',
  '<rootDir>/test/cli/tool-result.test.ts',
  '<rootDir>/test/cli/confirm.test.ts',
  '<rootDir>/test/chaos/chaos.test.ts',
  '<rootDir>/test/eval/validation-models.test.ts',
  '<rootDir>/test/scripts/demo.test.ts',
  '<rootDir>/test/scripts/quickstart.test.ts',
  '<rootDir>/test/shell/bash-durability.test.ts',
  '<rootDir>/test/shell/bash-session.test.ts',
  '<rootDir>/test/shell/escapes.test.ts',
  '<rootDir>/test/storage/postgres/two-hosts.test.ts',
  '<rootDir>/test/workflows/activity-failures.test.ts',
  '<rootDir>/test/workflows/activity-tools.test.ts',
  '<rootDir>/test/workflows/agent-session.test.ts',
  '<rootDir>/test/workflows/compaction.test.ts',
  '<rootDir>/test/workflows/context-clearing.test.ts',
  '<rootDir>/test/workflows/continued-input.test.ts',
  '<rootDir>/test/workflows/custom-tools.test.ts',
  '<rootDir>/test/workflows/custom-tools-crash.test.ts',
  '<rootDir>/test/workflows/tool-confirmations.test.ts',
  '<rootDir>/test/workflows/tool-confirmations-crash.test.ts',
  '<rootDir>/test/workflows/dream.test.ts',
  '<rootDir>/test/workflows/long-session.test.ts',
  '<rootDir>/test/workflows/mcp-session.test.ts',
  '<rootDir>/test/workflows/mcp-worker-crash.test.ts',
  '<rootDir>/test/workflows/memory-session.test.ts',
  '<rootDir>/test/workflows/model-retries.test.ts',
  '<rootDir>/test/workflows/outcomes.test.ts',
  '<rootDir>/test/workflows/query-during-local-activity.test.ts',
  '<rootDir>/test/workflows/replay.test.ts',
  '<rootDir>/test/workflows/session-signals.test.ts',
  '<rootDir>/test/workflows/session-updates.test.ts',
  '<rootDir>/test/workflows/smaller-histories.test.ts',
  '<rootDir>/test/workflows/threads.test.ts',
  '<rootDir>/test/workflows/threads-terminated.test.ts',
  '<rootDir>/test/workflows/workflow-summaries.test.ts',
  '<rootDir>/test/workflows/worker-crash.test.ts',
  '<rootDir>/test/workspace/catastrophic-patterns.test.ts',
  '<rootDir>/test/workspace/journal-redaction.test.ts',
];

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};

module.exports = {
  // Run-wide options: jest reads these at the top level only, not per project.
  maxWorkers: 2,
  testTimeout: 120_000,
  projects: [
    { ...shared, displayName: 'unit', testPathIgnorePatterns: ['/node_modules/', ...INTEGRATION_TESTS] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: INTEGRATION_TESTS.map((entry) => (entry.endsWith('/') ? `${entry}**/*.test.ts` : entry)),
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
