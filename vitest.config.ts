import { defineConfig } from 'vitest/config';

/**
 * Three projects; `npm test` runs them all, `npm run test:unit` only the first:
 * - `unit`: pure code and SDK-boundary fakes, no Java, seconds;
 * - `stack`: CDK template assertions and handler bundles, no Java but tens of seconds of synthesis;
 * - `connected`: everything on DynamoDB Local (below).
 */
const STACK = ['test/lib/**/*.test.ts', 'test/scripts/**/*.test.ts'];

/**
 * Tests that need DynamoDB Local (a Java program, started once per run by the global setup) or
 * the local runtime on it: storage, the directory service, the HTTP edge, the admin side, the
 * fan-out over streams, the CLI against a local stack, and the end-to-end suites. Everything
 * else runs without Java.
 *
 * A test that creates a table or starts the local runtime belongs here; listed under `unit` by
 * mistake, it fails at once (test/support/dynamodb.ts refuses to run without DynamoDB Local).
 */
const CONNECTED = [
  // Folders whose tests are mostly connected: a new test there is in the right project by default.
  'test/adapters/dynamodb/**/*.test.ts',
  'test/admin/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/fanout/**/*.test.ts',
  'test/local/**/*.test.ts',
  'test/portal/**/*.test.ts',
  'test/service/**/*.test.ts',
  // Single connected tests among unit tests.
  'test/auth/token-use.test.ts',
  'test/cli/main.test.ts',
  'test/http/scim-edge.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci-results/vitest.json' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...STACK, ...CONNECTED] } },
      { extends: true, test: { name: 'stack', include: STACK } },
      { extends: true, test: { name: 'connected', include: CONNECTED, globalSetup: ['test/support/global-setup.ts'] } },
    ],
  },
});
