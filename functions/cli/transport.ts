/**
 * How the CLI reaches the admin command handler: by invoking the deployed admin Lambda, or
 * in-process against the local runtime's DynamoDB Local and secrets file (`--local`).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DynamoDbActivityReader } from '../adapters/dynamodb/activity-repository.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { createParkedRecordRedriver } from '../adapters/dynamodb/parked-record-redriver.ts';
import { PortalRepository } from '../adapters/dynamodb/portal-repository.ts';
import { FileSecretStore } from '../adapters/secrets/secret-store.ts';
import { AdminService } from '../admin/admin-service.ts';
import { adminResponseSchema, runAdminCommand, type AdminCommand, type AdminResponse } from '../admin/commands.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX } from '../auth/token-secret.ts';
import { DEFAULT_EVENT_SOURCE } from '../config/environment.ts';
import { LocalEventSink } from '../local/event-sink.ts';
import { PortalLinkService } from '../portal/portal-links.ts';

/** Sends one admin command and returns its envelope. */
export interface AdminTransport {
  send(command: AdminCommand): Promise<AdminResponse>;
  close(): void;
}

/** The admin handler could not be reached or failed unexpectedly (as opposed to refusing a command). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}

/** What the local runtime (`npm start`) writes to `<data dir>/runtime.json`. */
export const runtimeInfoSchema = z.object({
  dynamodbEndpoint: z.url(),
  tableName: z.string().min(1),
  secretsFile: z.string().min(1),
  baseUrl: z.url(),
  /** Where the local runtime serves the Admin Portal, e.g. `http://127.0.0.1:8080/portal`; needed by `portal link`. */
  portalBaseUrl: z.url().optional(),
  /** The local runtime's events file; needed by `events redrive`. */
  eventsFile: z.string().min(1).optional(),
  /** The runtime's `--webhook`, which redriven events are POSTed to as well. */
  webhookUrl: z.url().optional(),
});

export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

const NOT_RUNNING = 'the local runtime is not running: start it with npm start';

/**
 * The local runtime re-reads the secrets file every few seconds, and local requests are short,
 * so a deleted directory's tokens are surely dead a few seconds after its secret is gone.
 */
const LOCAL_DELETION_DRAIN_MS = 6_000;

/** Reads `<dataDir>/runtime.json`; a missing or unreadable file means the runtime is not running. */
export async function readRuntimeInfo(dataDir: string): Promise<RuntimeInfo> {
  const path = join(resolve(dataDir), 'runtime.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new TransportError(NOT_RUNNING);
    throw new TransportError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TransportError(`${path} is not valid JSON; ${NOT_RUNNING}`);
  }
  const parsed = runtimeInfoSchema.safeParse(json);
  if (!parsed.success) throw new TransportError(`${path} does not describe a local runtime; ${NOT_RUNNING}`);
  return parsed.data;
}

/** Runs commands in this process, through the same command dispatcher as the admin Lambda. */
export async function localTransport(dataDir: string): Promise<AdminTransport> {
  const info = await readRuntimeInfo(dataDir);
  const host = new URL(info.dynamodbEndpoint).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new TransportError(`runtime.json points at ${info.dynamodbEndpoint}; --local only talks to a DynamoDB on this machine`);
  }
  const client = createDynamoDbClient({ endpoint: info.dynamodbEndpoint, region: 'us-east-1' });
  const documentClient = createDocumentClient(client);
  const directories = new DirectoryRepository(documentClient, info.tableName);
  const admin = new AdminService({
    directories,
    secretStore: new FileSecretStore(info.secretsFile),
    secretPrefix: DEFAULT_TOKEN_SECRET_PREFIX,
    baseUrl: info.baseUrl,
    deletionDrainMs: LOCAL_DELETION_DRAIN_MS,
  });
  const services = {
    admin,
    activity: new DynamoDbActivityReader(documentClient, info.tableName),
    ...(info.portalBaseUrl === undefined
      ? {}
      : { portalLinks: new PortalLinkService({ store: new PortalRepository(documentClient, info.tableName), directories, portalBaseUrl: info.portalBaseUrl }) }),
    // Redriven events go where the running runtime's own events go: its events file.
    ...(info.eventsFile === undefined
      ? {}
      : {
          redrive: createParkedRecordRedriver({
            documentClient,
            tableName: info.tableName,
            sink: new LocalEventSink({ eventsFile: info.eventsFile, log: () => undefined, ...(info.webhookUrl === undefined ? {} : { webhookUrl: info.webhookUrl }) }),
            source: DEFAULT_EVENT_SOURCE,
            scimBaseUrl: info.baseUrl,
          }),
        }),
  };
  return {
    async send(command) {
      try {
        return await runAdminCommand(services, command);
      } catch (error) {
        const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNREFUSED' || (error as Error).name === 'TimeoutError') {
          throw new TransportError(`cannot reach DynamoDB Local at ${info.dynamodbEndpoint}; ${NOT_RUNNING}`);
        }
        throw error;
      }
    },
    close: () => client.destroy(),
  };
}

const lambdaErrorSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() });

/** What the CLI says when no region is configured anywhere the AWS SDK looks. */
export const NO_REGION_MESSAGE =
  'no AWS region: pass --region <region> (the region the stack is deployed in), set AWS_REGION or AWS_DEFAULT_REGION, ' +
  'give the admin function as an ARN, or set region in the AWS_PROFILE profile of ~/.aws/config';

/**
 * The region to call the admin Lambda in, in this order: `--region`, AWS_REGION, AWS_DEFAULT_REGION,
 * the region of a function ARN. `undefined` leaves it to the SDK, which reads the profile's
 * `region` from the shared config file (AWS_PROFILE, AWS_CONFIG_FILE).
 */
export function adminRegion(functionName: string, region: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromArn = /^arn:[^:]+:lambda:([a-z0-9-]+):/.exec(functionName)?.[1];
  for (const candidate of [region, env.AWS_REGION, env.AWS_DEFAULT_REGION, fromArn]) {
    if (candidate !== undefined && candidate.trim() !== '') return candidate.trim();
  }
  return undefined;
}

/**
 * Invokes the deployed admin Lambda (IAM-authorised Lambda Invoke). Credentials come from the usual
 * AWS environment and profile settings; the region from {@link adminRegion}.
 */
export function lambdaTransport(functionName: string, region?: string): AdminTransport {
  const client = new LambdaClient(region === undefined ? {} : { region });
  return {
    async send(command) {
      let output;
      try {
        output = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(command)) }));
      } catch (error) {
        // The SDK's own words ("Region is missing") name none of the places a region can come from.
        if (/region is missing/i.test((error as Error).message)) throw new TransportError(NO_REGION_MESSAGE);
        throw new TransportError(`cannot invoke ${functionName}: ${(error as Error).name}: ${(error as Error).message}`);
      }
      const text = output.Payload === undefined ? '' : Buffer.from(output.Payload).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new TransportError(`${functionName} answered something that is not JSON`);
      }
      if (output.FunctionError !== undefined) {
        const failure = lambdaErrorSchema.safeParse(json);
        const detail = failure.success ? [failure.data.errorType, failure.data.errorMessage].filter(Boolean).join(': ') : output.FunctionError;
        throw new TransportError(`${functionName} failed: ${detail}`);
      }
      const parsed = adminResponseSchema.safeParse(json);
      if (!parsed.success) throw new TransportError(`${functionName} answered an unexpected shape; is it the scim-directory-sync admin function?`);
      return parsed.data;
    },
    close: () => client.destroy(),
  };
}
