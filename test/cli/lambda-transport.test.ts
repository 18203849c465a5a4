/**
 * The CLI's default transport, the deployed admin Lambda, faked at the SDK boundary.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../functions/cli/program.ts';
import { adminRegion } from '../../functions/cli/transport.ts';

const lambda = mockClient(LambdaClient);
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

async function cli(args: string[], env: NodeJS.ProcessEnv = { SCIM_ADMIN_FUNCTION: 'scim-admin-fn' }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env });
  return { code, stdout, stderr };
}

const view = {
  id: 'abcdefghijklmnopqrstuvwxyz',
  name: 'Hero SaaS',
  provider: 'entra',
  status: 'active',
  tenantUrl: 'https://api.example.test/scim/v2/abcdefghijklmnopqrstuvwxyz',
  created: '2026-01-01T00:00:00.000Z',
  lastModified: '2026-01-01T00:00:00.000Z',
  version: 1,
  counts: { users: 3, activeUsers: 2, groups: 1 },
};

beforeEach(() => lambda.reset());

describe('scim-admin over Lambda Invoke', () => {
  it('invokes the named function with the command and prints its result', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true, command: 'directory.get', result: view }) });
    const run = await cli(['directory', 'get', view.id, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(view);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('scim-admin-fn');
    expect(JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString('utf8'))).toEqual({ command: 'directory.get', directoryId: view.id });
  });

  it('prefers --function over the environment', async () => {
    lambda.on(InvokeCommand).resolves({ Payload: payload({ ok: true, command: 'directory.list', result: [view] }) });
    const run = await cli(['directory', 'list', '--function', 'other-fn']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Hero SaaS');
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.FunctionName).toBe('other-fn');
  });

  it('exits 1 on a refusal and 3 when the function fails or answers nonsense', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ Payload: payload({ ok: false, error: { code: 'directoryNotFound', message: 'Directory x not found' } }) })
      .resolvesOnce({ FunctionError: 'Unhandled', Payload: payload({ errorType: 'SecretStoreError', errorMessage: 'Secrets Manager GetSecretValue failed' }) })
      .resolvesOnce({ Payload: payload({ hello: 'world' }) })
      .rejectsOnce(Object.assign(new Error('no credentials'), { name: 'CredentialsProviderError' }));
    expect(await cli(['directory', 'get', 'x'])).toMatchObject({ code: 1, stderr: 'scim-admin: Directory x not found\n' });
    expect(await cli(['directory', 'get', 'x'])).toMatchObject({ code: 3, stderr: expect.stringContaining('SecretStoreError') as string });
    expect(await cli(['directory', 'get', 'x'])).toMatchObject({ code: 3, stderr: expect.stringContaining('unexpected shape') as string });
    expect(await cli(['directory', 'get', 'x', '--json'])).toMatchObject({ code: 3, stderr: expect.stringContaining('"code":"unavailable"') as string });
  });

  it('asks for a function name when none is configured', async () => {
    const run = await cli(['directory', 'list'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--function');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('hands a background deletion to the Lambda and reports that it continues', async () => {
    lambda.on(InvokeCommand).resolves({
      Payload: payload({ ok: true, command: 'directory.delete', result: { directoryId: view.id, phase: 'purging', done: false, deletedItems: 5000, continuing: true } }),
    });
    const run = await cli(['directory', 'delete', view.id, '--background']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('being deleted in the background (5000 items purged so far)');
    const sent = JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString('utf8')) as Record<string, unknown>;
    expect(sent).toMatchObject({ command: 'directory.delete', directoryId: view.id, background: true });
  });
});

describe('scim-admin region', () => {
  it('takes --region, then AWS_REGION, AWS_DEFAULT_REGION, then the region of a function ARN', () => {
    const arn = 'arn:aws:lambda:eu-central-2:111111111111:function:scim-admin';
    expect(adminRegion('fn', 'eu-west-1', { AWS_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(adminRegion('fn', undefined, { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-east-1');
    expect(adminRegion('fn', undefined, { AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-west-2');
    expect(adminRegion(arn, undefined, {})).toBe('eu-central-2');
    // Left to the SDK, which reads the profile's region from the shared config file.
    expect(adminRegion('fn', undefined, { AWS_REGION: ' ' })).toBeUndefined();
  });

  it('names every place a region can come from when none is set', async () => {
    lambda.on(InvokeCommand).rejects(new Error('Region is missing'));
    const run = await cli(['directory', 'list']);
    expect(run.code).toBe(3);
    for (const place of ['--region', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', '~/.aws/config']) expect(run.stderr).toContain(place);
  });

  it('matches what the AWS SDK itself says on a machine without any region', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
    try {
      const client = new LambdaClient({});
      await expect(client.config.region()).rejects.toThrow(/region is missing/i);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
