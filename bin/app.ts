/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`.
 *
 * Context (`-c key=value` or cdk.json):
 * - `stackName`: stack name (default `ScimDirectorySync`); one stack per deployment;
 * - `logLevel`: DEBUG | INFO | WARN | ERROR (default INFO);
 * - `alarmEmail`: e-mail address subscribed to the alarm topic (default none);
 * - `apiGatewayCloudWatchRole`: `false` leaves API Gateway's account-level CloudWatch Logs role of the
 *   region as it is (default true: the stack sets it);
 * - `reservedConcurrency`: `false` reserves no Lambda concurrency (accounts with a small quota);
 * - `eventSchemaRegistry`: `true` or `false` forces the schema registry on or off (default: by region);
 * - `tracing`: `false` turns X-Ray tracing off (default true);
 * - `tokenSecretPrefix`: keep an existing deployment's token secrets (docs/deploy.md, "Upgrading");
 * - `appName`, `logoUrl`, `accentColor`: how the Admin Portal presents the host app (`-c appName="Hero SaaS"`).
 * The stack is environment-agnostic: the account and region come from the deploying credentials,
 * and synth needs none.
 */
import { App } from 'aws-cdk-lib';
import type { LogLevel } from '../lib/scim-function.ts';
import { DEFAULT_STACK_NAME, ScimDirectorySyncStack } from '../lib/scim-directory-sync-stack.ts';

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

const app = new App();
const stackName = String(app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME);
const logLevelContext = String(app.node.tryGetContext('logLevel') ?? 'INFO').toUpperCase();
const logLevel = LOG_LEVELS.find((level) => level === logLevelContext);
if (logLevel === undefined) {
  throw new Error(`context logLevel must be one of ${LOG_LEVELS.join(', ')}, not ${logLevelContext}`);
}

/** A boolean context value (`-c key=false` arrives as the string "false"); undefined when not given. */
function booleanContext(key: string): boolean | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, not ${String(value)}`);
}

/** A text context value; undefined when not given or empty. */
function textContext(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
}

const alarmEmail = textContext('alarmEmail');
const tokenSecretPrefix = textContext('tokenSecretPrefix');
const apiGatewayCloudWatchRole = booleanContext('apiGatewayCloudWatchRole');
const eventSchemaRegistry = booleanContext('eventSchemaRegistry');
const tracing = booleanContext('tracing');
const portal = {
  ...(textContext('appName') === undefined ? {} : { appName: textContext('appName') }),
  ...(textContext('logoUrl') === undefined ? {} : { logoUrl: textContext('logoUrl') }),
  ...(textContext('accentColor') === undefined ? {} : { accentColor: textContext('accentColor') }),
};

new ScimDirectorySyncStack(app, stackName, {
  description: 'SCIM 2.0 directory sync: identity providers provision users and groups; changes go to EventBridge',
  scim: {
    logLevel,
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    ...(tokenSecretPrefix !== undefined ? { tokenSecretPrefix } : {}),
    ...(apiGatewayCloudWatchRole !== undefined ? { apiGatewayCloudWatchRole } : {}),
    ...(booleanContext('reservedConcurrency') === false ? { concurrency: false as const } : {}),
    ...(eventSchemaRegistry !== undefined ? { eventSchemaRegistry } : {}),
    ...(tracing !== undefined ? { tracing } : {}),
    portal,
  },
});
