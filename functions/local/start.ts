/**
 * `npm start`: the SCIM service on http://127.0.0.1:8080, ready for Entra ID's Tenant URL and
 * Secret Token fields (or any SCIM client). See README.md for the options.
 */
import { Command, InvalidArgumentError } from 'commander';
import { JavaMissingError } from '../adapters/dynamodb/local-dynamodb.ts';
import { checkBranding, type PortalBranding } from '../portal/pages.ts';
import { startLocalRuntime } from './runtime.ts';

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return port;
}

function endpointUrl(value: string): string {
  try {
    return new URL(value).toString().replace(/\/+$/, '');
  } catch {
    throw new InvalidArgumentError('expected a URL such as http://127.0.0.1:8000');
  }
}

function webhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL such as http://127.0.0.1:3000/scim-events');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('the webhook must be an http:// or https:// URL');
  return url.toString();
}

const program = new Command()
  .name('npm start --')
  .description('Run scim-directory-sync locally on DynamoDB Local')
  .option('--port <port>', 'HTTP port on 127.0.0.1', portNumber, 8080)
  .option('--data-dir <dir>', 'where data, tokens and runtime.json are kept', '.data')
  .option('--in-memory', 'keep nothing: DynamoDB Local in memory, tokens in a temporary folder', false)
  .option('--dynamodb-endpoint <url>', 'use this DynamoDB endpoint instead of starting DynamoDB Local', endpointUrl)
  .option('--table-name <name>', 'DynamoDB table name', 'scim-directory-sync')
  .option('--webhook <url>', 'also POST every change event (JSON) to this URL', webhookUrl)
  .option('--app-name <name>', "the host app's name on the Admin Portal's pages", 'Hero SaaS')
  .option('--logo-url <url>', 'an https image shown beside the app name on the Admin Portal')
  .option('--accent-color <hex>', 'accent colour of the Admin Portal, #rrggbb')
  .parse();

const options = program.opts<{
  port: number;
  dataDir: string;
  inMemory: boolean;
  dynamodbEndpoint?: string;
  tableName: string;
  webhook?: string;
  appName: string;
  logoUrl?: string;
  accentColor?: string;
}>();

let branding: PortalBranding;
try {
  branding = checkBranding({
    appName: options.appName,
    ...(options.logoUrl === undefined ? {} : { logoUrl: options.logoUrl }),
    ...(options.accentColor === undefined ? {} : { accentColor: options.accentColor }),
  });
} catch (error) {
  process.stderr.write(`Invalid Admin Portal option: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

try {
  const runtime = await startLocalRuntime({
    port: options.port,
    dataDir: options.dataDir,
    inMemory: options.inMemory,
    tableName: options.tableName,
    ...(options.dynamodbEndpoint === undefined ? {} : { dynamodbEndpoint: options.dynamodbEndpoint }),
    ...(options.webhook === undefined ? {} : { webhookUrl: options.webhook }),
    portal: branding,
  });
  const portalLink = await runtime.portalLinks.createLink({ organizationId: runtime.organizationId });
  process.stdout.write(
    [
      '',
      'scim-directory-sync is running. Paste these into your identity provider',
      '(Entra ID: Enterprise application → Provisioning → Admin Credentials):',
      '',
      `Tenant URL: ${runtime.tenantUrl}`,
      `Secret Token: ${runtime.token}`,
      '',
      `Admin Portal: ${portalLink.url}`,
      `  (the IT admin's view of organization "${runtime.organizationId}"; the link works once, for 5 minutes:`,
      `   npx scim-admin --local portal link --organization ${runtime.organizationId} makes another)`,
      '',
      `DynamoDB: ${runtime.info.dynamodbEndpoint} (table ${runtime.info.tableName})${options.inMemory ? ', in memory' : ''}`,
      `Events: one line each below, all of them in ${runtime.eventsFile}${options.webhook === undefined ? '' : `, POSTed to ${options.webhook}`}`,
      'Manage directories and tokens with: npx scim-admin --local --help',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping\n`);
    void runtime.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof JavaMissingError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
