/**
 * The CLI's default transport, the deployed admin Lambda, faked at the SDK boundary.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../functions/cli/program.ts';

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
