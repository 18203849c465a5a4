/**
 * End-to-end helpers: the local runtime on a free loopback port, backed by the test run's
 * DynamoDB Local (its own table), and a small SCIM client for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { PortalBranding } from '../../functions/portal/pages.ts';
import { localEndpoint } from './dynamodb.ts';

export interface TestRuntime extends LocalRuntime {
  client: ScimClient;
  dataDir: string;
}

export interface ScimReply {
  status: number;
  headers: Headers;
  // Test code reads responses field by field; a loose type keeps the assertions readable.
  body: any;
}

/** A SCIM client bound to one Tenant URL and token; only ever talks to loopback. */
export class ScimClient {
  constructor(
    readonly tenantUrl: string,
    private readonly token: string,
  ) {
    const host = new URL(tenantUrl).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`refusing to send test traffic to ${host}`);
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimReply> {
    const response = await fetch(`${this.tenantUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }
  post(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers);
  }
  put(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request('PUT', path, body, headers);
  }
  patch(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', path, body, headers);
  }
  delete(path: string, headers?: Record<string, string>) {
    return this.request('DELETE', path, undefined, headers);
  }
}

/** Starts the local runtime against the shared DynamoDB Local, with its own table and data folder. */
export async function startTestRuntime(options: { portal?: PortalBranding } = {}): Promise<TestRuntime> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scim-e2e-'));
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    inMemory: false,
    dynamodbEndpoint: localEndpoint(),
    tableName: `e2e-${randomUUID().slice(0, 8)}`,
    logLevel: 'SILENT',
    ...(options.portal === undefined ? {} : { portal: options.portal }),
  });
  return {
    ...runtime,
    dataDir,
    client: new ScimClient(runtime.tenantUrl, runtime.token),
    stop: async () => {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
