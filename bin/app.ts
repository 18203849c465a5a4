/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`.
 *
 * Context (`-c key=value` or cdk.json):
 * - `stackName`: stack name (default `ScimDirectorySync`);
 * - `logLevel`: DEBUG | INFO | WARN | ERROR (default INFO).
 * The stack is environment-agnostic: the account and region come from the deploying credentials,
 * and synth needs none.
 */
import { App } from 'aws-cdk-lib';
import type { LogLevel } from '../lib/scim-function.ts';
import { ScimDirectorySyncStack } from '../lib/scim-directory-sync-stack.ts';

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

const app = new App();
const stackName = String(app.node.tryGetContext('stackName') ?? 'ScimDirectorySync');
const logLevelContext = String(app.node.tryGetContext('logLevel') ?? 'INFO').toUpperCase();
const logLevel = LOG_LEVELS.find((level) => level === logLevelContext);
if (logLevel === undefined) {
  throw new Error(`context logLevel must be one of ${LOG_LEVELS.join(', ')}, not ${logLevelContext}`);
}

new ScimDirectorySyncStack(app, stackName, {
  description: 'SCIM 2.0 directory sync: identity providers provision users and groups; changes go to EventBridge',
  scim: { logLevel },
});
