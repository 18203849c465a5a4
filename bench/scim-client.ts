/**
 * A SCIM client for the bench: one Tenant URL and token, loopback only, and the wall-clock time
 * of each request measured from just before it is sent to the end of the response body.
 */
import { performance } from 'node:perf_hooks';

const PER_REQUEST_TIMEOUT_MS = 30_000;

export interface TimedReply {
  status: number;
  /** Parsed JSON body, or undefined for an empty one (204). */
  body: unknown;
  elapsedMs: number;
}

export class BenchScimClient {
  constructor(
    readonly tenantUrl: string,
    private readonly token: string,
    /** Sent as User-Agent when set (e.g. Entra ID's), so the service sees the client it would in production. */
    private readonly userAgent?: string,
  ) {
    const host = new URL(tenantUrl).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the bench only talks to loopback, not ${host}`);
  }

  /** Sends one request; `path` is relative to the Tenant URL (e.g. `/Users?count=1`). */
  async send(method: string, path: string, body?: unknown): Promise<TimedReply> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'application/scim+json' };
    if (body !== undefined) headers['Content-Type'] = 'application/scim+json';
    if (this.userAgent !== undefined) headers['User-Agent'] = this.userAgent;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = performance.now();
    const response = await fetch(`${this.tenantUrl}${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.timeout(PER_REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const elapsedMs = performance.now() - started;
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), elapsedMs };
  }
}
