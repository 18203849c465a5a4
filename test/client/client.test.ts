import { describe, expect, it } from 'vitest';
import { DirectoryApiClient, DirectoryApiError } from '../../functions/client/index.ts';

const PAGE = { items: [], watermark: '2026-01-01T00:00:00.000Z' };

/** A fetch that answers from a script and records what it was asked. */
function scripted(answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchStub = (async (url: URL | string, init: RequestInit = {}) => {
    calls.push({ url: String(url), init });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers } });
  }) as typeof fetch;
  return { calls, fetch: fetchStub };
}

describe('DirectoryApiClient', () => {
  it('signs with SigV4 for execute-api, the region taken from the host name', async () => {
    const stub = scripted([{ status: 200, body: PAGE }]);
    const client = new DirectoryApiClient({
      baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/api/v1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      fetch: stub.fetch,
    });
    await client.listUsers('dir 1', { limit: 10, active: true });
    const headers = stub.calls[0]!.init.headers as Record<string, string>;
    expect(stub.calls[0]!.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/api/v1/directories/dir%201/users?limit=10&active=true');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('sends no signature with signing: none', async () => {
    const stub = scripted([{ status: 200, body: PAGE }]);
    const client = new DirectoryApiClient({ baseUrl: 'http://127.0.0.1:1/api/v1', signing: 'none', fetch: stub.fetch });
    await client.listGroups('d');
    expect((stub.calls[0]!.init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it('retries 429 and 5xx with backoff, then succeeds', async () => {
    const stub = scripted([
      { status: 429, body: { status: '429', detail: 'slow down' }, headers: { 'retry-after': '0' } },
      { status: 503, body: { status: '503', detail: 'busy' } },
      { status: 200, body: PAGE },
    ]);
    const client = new DirectoryApiClient({ baseUrl: 'http://127.0.0.1:1/api/v1', signing: 'none', fetch: stub.fetch, retryBaseDelayMs: 1 });
    expect(await client.listMembers('d', 'g')).toEqual(PAGE);
    expect(stub.calls).toHaveLength(3);
  });

  it('gives up after maxAttempts, and never retries a 4xx', async () => {
    const busy = scripted([{ status: 500, body: { status: '500', detail: 'broken' } }]);
    const client = new DirectoryApiClient({ baseUrl: 'http://127.0.0.1:1/api/v1', signing: 'none', fetch: busy.fetch, retryBaseDelayMs: 1, maxAttempts: 3 });
    await expect(client.listGroups('d')).rejects.toMatchObject({ name: 'DirectoryApiError', status: 500 });
    expect(busy.calls).toHaveLength(3);

    const refused = scripted([{ status: 400, body: { status: '400', scimType: 'invalidValue', detail: 'limit must be …' } }]);
    const strict = new DirectoryApiClient({ baseUrl: 'http://127.0.0.1:1/api/v1', signing: 'none', fetch: refused.fetch, retryBaseDelayMs: 1 });
    const error = await strict.listGroups('d').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DirectoryApiError);
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(refused.calls).toHaveLength(1);
  });

  it('follows nextCursor through every page', async () => {
    const user = (id: string) => ({ id, directoryId: 'd', organizationId: null, userName: id, emails: [], active: true, version: 1, created: PAGE.watermark, lastModified: PAGE.watermark, raw: {} });
    const stub = scripted([
      { status: 200, body: { items: [user('a')], nextCursor: 'c1', watermark: PAGE.watermark } },
      { status: 200, body: { items: [user('b')], watermark: PAGE.watermark } },
    ]);
    const client = new DirectoryApiClient({ baseUrl: 'http://127.0.0.1:1/api/v1', signing: 'none', fetch: stub.fetch });
    const ids: string[] = [];
    for await (const item of client.users('d', { limit: 1 })) ids.push(item.id);
    expect(ids).toEqual(['a', 'b']);
    expect(stub.calls[1]!.url).toContain('cursor=c1');
  });
});
