/**
 * `npm start` as a user runs it: a Tenant URL and Secret Token that work, the same directory after a
 * restart (and after its secrets file is lost), Ctrl-C stopping DynamoDB Local too, and one clear line when Java is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const TSX_CLI = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');
const START = join(process.cwd(), 'functions', 'local', 'start.ts');

interface Started {
  child: ChildProcess;
  tenantUrl: string;
  token: string;
  dynamodbEndpoint: string;
  portalLink: string;
  output: () => string;
}

function start(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  const child = spawn(process.execPath, [TSX_CLI, START, '--port', '0', ...args], {
    env: { ...env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start did not print a token within 90 s:\n${output}`));
    }, 90_000);
    const check = () => {
      const tenant = /^Tenant URL: (\S+)$/m.exec(output);
      const token = /^Secret Token: (\S+)$/m.exec(output);
      const dynamodb = /^DynamoDB: (\S+)/m.exec(output);
      const portal = /^Admin Portal: (\S+)$/m.exec(output);
      if (tenant && token && dynamodb && portal) {
        clearTimeout(timer);
        resolve({ child, tenantUrl: tenant[1] as string, token: token[1] as string, dynamodbEndpoint: dynamodb[1] as string, portalLink: portal[1] as string, output: () => output });
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGINT');
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'POST', signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints a working Tenant URL and Secret Token, keeps the directory across restarts, and Ctrl-C stops DynamoDB Local', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'scim-start-'));
    dataDirs.push(dataDir);
    const first = await start(['--data-dir', dataDir]);
    try {
      expect(first.tenantUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/[A-Za-z0-9_-]+$/);
      expect(first.token).toMatch(/^scimds_/);
      const created = await fetch(`${first.tenantUrl}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${first.token}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'kept@example.com' }),
      });
      expect(created.status).toBe(201);

      // The Admin Portal link opens a session (once) for the local organization, which holds the default directory.
      expect(first.portalLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/portal\/open\?link=[A-Za-z0-9_-]{43}$/);
      const opened = await fetch(first.portalLink, { redirect: 'manual' });
      expect(opened.status).toBe(303);
      const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect(cookie).toMatch(/=/);
      const directories = await fetch(new URL('/portal/api/directories', first.portalLink), { headers: { Cookie: cookie } });
      const listed = (await directories.json()) as { items: Array<{ tenantUrl: string; counts: { users: number } }> };
      expect(listed.items.map((d) => d.tenantUrl)).toEqual([first.tenantUrl]);
      expect((await fetch(first.portalLink, { redirect: 'manual' })).status).toBe(410);
    } finally {
      expect(await stop(first.child)).toBe(0);
    }
    expect(await answers(first.dynamodbEndpoint)).toBe(false);

    const second = await start(['--data-dir', dataDir]);
    try {
      expect(second.tenantUrl.replace(/:\d+\//, ':PORT/')).toBe(first.tenantUrl.replace(/:\d+\//, ':PORT/'));
      const found = await fetch(`${second.tenantUrl}/Users?filter=${encodeURIComponent('userName eq "kept@example.com"')}`, {
        headers: { Authorization: `Bearer ${second.token}` },
      });
      expect(found.status).toBe(200);
      expect(((await found.json()) as { totalResults: number }).totalResults).toBe(1);
    } finally {
      await stop(second.child);
    }

    // The secrets file deleted, the data kept: the same directory comes back with a new token; old tokens are gone.
    await rm(join(dataDir, 'secrets.json'));
    const third = await start(['--data-dir', dataDir]);
    try {
      expect(third.tenantUrl.replace(/:\d+\//, ':PORT/')).toBe(first.tenantUrl.replace(/:\d+\//, ':PORT/'));
      expect(third.token).not.toBe(second.token);
      const lookUp = (token: string) =>
        fetch(`${third.tenantUrl}/Users?filter=${encodeURIComponent('userName eq "kept@example.com"')}`, { headers: { Authorization: `Bearer ${token}` } });
      const found = await lookUp(third.token);
      expect(found.status).toBe(200);
      expect(((await found.json()) as { totalResults: number }).totalResults).toBe(1);
      expect((await lookUp(second.token)).status).toBe(401);
    } finally {
      await stop(third.child);
    }
  }, 360_000);

  it('says in one line what to install when Java is missing', async () => {
    const child = spawn(process.execPath, [TSX_CLI, START, '--in-memory', '--port', '0'], {
      env: { ...process.env, PATH: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/needs Java 17 or newer/);
  }, 60_000);
});
