/**
 * `scim-directory-sync/client`: a typed client of the Directory API (`/api/v1`, docs/host-api.md)
 * for the host app's services.
 *
 * Requests are signed with SigV4 by the AWS SDK's own signer, with credentials from the SDK's
 * default chain (the service's role in Lambda, ECS or EC2; a profile on a laptop). Against the
 * local runtime (`npm start`), which listens on loopback and accepts unsigned requests, pass
 * `signing: 'none'`. Throttling (429) and server errors (5xx) are retried with jittered
 * exponential backoff; every other refusal throws a {@link DirectoryApiError}.
 *
 * @example
 * import { DirectoryApiClient, backfillDirectory } from 'scim-directory-sync/client';
 *
 * const api = new DirectoryApiClient({ baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/api/v1' });
 * for await (const user of api.users(directoryId, { active: true })) console.log(user.userName);
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type * as z from 'zod';
import type { DirectoryGroup, DirectoryUser } from '../events/resource.ts';
import { sleep } from '../shared/sleep.ts';
import {
  directoryListSchema,
  errorBodySchema,
  groupDetailSchema,
  groupIdPageSchema,
  groupPageSchema,
  hostDirectorySchema,
  memberPageSchema,
  portalLinkSchema,
  replaySchema,
  userDetailSchema,
  userPageSchema,
  type GroupDetail,
  type HostDirectory,
  type MemberRef,
  type Page,
  type PortalLink,
  type Replay,
  type UserDetail,
} from './schemas.ts';

export * from './schemas.ts';
export { backfillDirectory, type BackfillHandlers, type BackfillResult } from './backfill.ts';
export type { DirectoryGroup, DirectoryUser } from '../events/resource.ts';

/** Options of a {@link DirectoryApiClient}. */
export interface DirectoryApiClientOptions {
  /** The API base including `/api/v1`, e.g. `https://<api>.execute-api.<region>.amazonaws.com/v1/api/v1`. */
  baseUrl: string;
  /** `sigv4` (default) signs every request; `none` is for the local runtime only. */
  signing?: 'sigv4' | 'none';
  /** Region of the API. @default read from an execute-api host name, else AWS_REGION */
  region?: string;
  /** @default the AWS SDK's default credential chain */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per request, retries included. @default 4 */
  maxAttempts?: number;
  /** First retry delay; doubled per attempt, with full jitter, capped at 20 s. @default 200 ms */
  retryBaseDelayMs?: number;
  /** Time allowed for one attempt. @default 30 s */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A refusal by the API: the HTTP status and the RFC 7644 §3.12 body. */
export class DirectoryApiError extends Error {
  override readonly name = 'DirectoryApiError';
  constructor(
    readonly status: number,
    readonly scimType: string | undefined,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Directory API answered ${status}${scimType === undefined ? '' : ` (${scimType})`}: ${detail}`, options);
  }
}

/** Paging options of every listing. */
export interface PageOptions {
  /** 1–100. @default 50 */
  limit?: number;
  cursor?: string;
  /** When given, a directory of another organization answers 404, as if it did not exist. */
  organizationId?: string;
}

export interface UserFilter extends PageOptions {
  /** Only direct user members of this group. */
  group?: string;
  active?: boolean;
  /** Only users changed at or after this time. */
  updatedSince?: string | Date;
}

export interface GroupFilter extends PageOptions {
  /** Only groups this user is a direct member of. */
  user?: string;
}

type Query = Record<string, string | number | boolean | Date | undefined>;

/** Statuses worth another attempt: throttling and server-side failures. */
function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

function regionOf(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname)?.[1];
}


/** The Directory API, typed: one method per route, and async iterators over every listing. */
export class DirectoryApiClient {
  readonly #base: URL;
  readonly #signer: SignatureV4 | undefined;
  readonly #fetch: typeof fetch;
  readonly #maxAttempts: number;
  readonly #retryBaseDelayMs: number;
  readonly #timeoutMs: number;

  constructor(options: DirectoryApiClientOptions) {
    this.#base = new URL(options.baseUrl.replace(/\/+$/, ''));
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#maxAttempts = Math.max(1, Math.min(10, options.maxAttempts ?? 4));
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 200;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    if ((options.signing ?? 'sigv4') === 'sigv4') {
      const region = options.region ?? regionOf(this.#base) ?? process.env.AWS_REGION;
      if (region === undefined) throw new TypeError('The region of the API is unknown: pass `region`');
      this.#signer = new SignatureV4({
        service: 'execute-api',
        region,
        credentials: options.credentials ?? defaultProvider(),
        sha256: Hash.bind(null, 'sha256'),
      });
    }
  }

  listDirectories(options: { organizationId?: string } = {}): Promise<{ items: HostDirectory[] }> {
    return this.#request(directoryListSchema, 'GET', '/directories', { organizationId: options.organizationId });
  }

  getDirectory(directoryId: string, options: { organizationId?: string } = {}): Promise<HostDirectory> {
    return this.#request(hostDirectorySchema, 'GET', `/directories/${encodeURIComponent(directoryId)}`, { organizationId: options.organizationId });
  }

  listUsers(directoryId: string, options: UserFilter = {}): Promise<Page<DirectoryUser>> {
    const { updatedSince, ...rest } = options;
    return this.#request(userPageSchema, 'GET', `${this.#directoryPath(directoryId)}/users`, { ...rest, updatedSince });
  }

  getUser(directoryId: string, userId: string, options: { organizationId?: string } = {}): Promise<UserDetail> {
    return this.#request(userDetailSchema, 'GET', `${this.#directoryPath(directoryId)}/users/${encodeURIComponent(userId)}`, { ...options });
  }

  listUserGroupIds(directoryId: string, userId: string, options: PageOptions = {}): Promise<Page<string>> {
    return this.#request(groupIdPageSchema, 'GET', `${this.#directoryPath(directoryId)}/users/${encodeURIComponent(userId)}/groups`, { ...options });
  }

  listGroups(directoryId: string, options: GroupFilter = {}): Promise<Page<DirectoryGroup>> {
    return this.#request(groupPageSchema, 'GET', `${this.#directoryPath(directoryId)}/groups`, { ...options });
  }

  getGroup(directoryId: string, groupId: string, options: { organizationId?: string } = {}): Promise<GroupDetail> {
    return this.#request(groupDetailSchema, 'GET', `${this.#directoryPath(directoryId)}/groups/${encodeURIComponent(groupId)}`, { ...options });
  }

  listMembers(directoryId: string, groupId: string, options: PageOptions = {}): Promise<Page<MemberRef>> {
    return this.#request(memberPageSchema, 'GET', `${this.#directoryPath(directoryId)}/groups/${encodeURIComponent(groupId)}/members`, { ...options });
  }

  /** Every user (matching the filter), page after page. */
  users(directoryId: string, filter: Omit<UserFilter, 'cursor'> = {}): AsyncGenerator<DirectoryUser> {
    return this.#items((cursor) => this.listUsers(directoryId, { ...filter, ...(cursor === undefined ? {} : { cursor }) }));
  }

  groups(directoryId: string, filter: Omit<GroupFilter, 'cursor'> = {}): AsyncGenerator<DirectoryGroup> {
    return this.#items((cursor) => this.listGroups(directoryId, { ...filter, ...(cursor === undefined ? {} : { cursor }) }));
  }

  members(directoryId: string, groupId: string, options: Omit<PageOptions, 'cursor'> = {}): AsyncGenerator<MemberRef> {
    return this.#items((cursor) => this.listMembers(directoryId, groupId, { ...options, ...(cursor === undefined ? {} : { cursor }) }));
  }

  userGroupIds(directoryId: string, userId: string, options: Omit<PageOptions, 'cursor'> = {}): AsyncGenerator<string> {
    return this.#items((cursor) => this.listUserGroupIds(directoryId, userId, { ...options, ...(cursor === undefined ? {} : { cursor }) }));
  }

  /** Every page of a listing, each with its watermark. */
  async *pages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<Page<T>> {
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor);
      yield page;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  /** A single-use Admin Portal link for one organization (the same as `scim-admin portal link`). */
  createPortalLink(input: { organizationId: string; directoryId?: string; returnUrl?: string }): Promise<PortalLink> {
    return this.#request(portalLinkSchema, 'POST', '/portal-links', {}, input);
  }

  /** Replays the directory's events that occurred in [from, to) from the bus archive. */
  startReplay(directoryId: string, window: { from: string | Date; to?: string | Date }): Promise<Replay> {
    const iso = (value: string | Date) => (value instanceof Date ? value.toISOString() : value);
    return this.#request(replaySchema, 'POST', `${this.#directoryPath(directoryId)}/replays`, {}, {
      from: iso(window.from),
      ...(window.to === undefined ? {} : { to: iso(window.to) }),
    });
  }

  #directoryPath(directoryId: string): string {
    return `/directories/${encodeURIComponent(directoryId)}`;
  }

  async *#items<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
    for await (const page of this.pages(fetchPage)) yield* page.items;
  }

  async #request<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, query: Query, body?: unknown): Promise<z.infer<S>> {
    const url = new URL(`${this.#base.pathname}${path}`, this.#base);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, value instanceof Date ? value.toISOString() : String(value));
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#send(method, url, payload);
      } catch (error) {
        // A dropped connection or a timeout: retry a read, and a write too (both writes are safe to repeat:
        // a second link or replay is harmless), until the attempts run out.
        if (attempt >= this.#maxAttempts) throw error;
        await this.#backoff(attempt, undefined);
        continue;
      }
      const text = await response.text();
      if (response.ok) return schema.parse(JSON.parse(text)) as z.infer<S>;
      if (isRetryable(response.status) && attempt < this.#maxAttempts) {
        await this.#backoff(attempt, response.headers.get('retry-after'));
        continue;
      }
      let parsed: z.infer<typeof errorBodySchema> | undefined;
      try {
        parsed = errorBodySchema.parse(JSON.parse(text));
      } catch {
        parsed = undefined;
      }
      throw new DirectoryApiError(response.status, parsed?.scimType, parsed?.detail ?? response.statusText);
    }
  }

  async #send(method: string, url: URL, payload: string | undefined): Promise<Response> {
    let headers: Record<string, string> = { accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
    if (this.#signer !== undefined) {
      const signed = await this.#signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...headers, host: url.host },
        ...(payload === undefined ? {} : { body: payload }),
      });
      headers = signed.headers;
      // fetch sets Host itself, from the URL.
      delete headers.host;
    }
    return this.#fetch(url, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
  }

  async #backoff(attempt: number, retryAfter: string | null | undefined): Promise<void> {
    const seconds = retryAfter === null || retryAfter === undefined ? Number.NaN : Number(retryAfter);
    const exponential = Math.random() * Math.min(20_000, this.#retryBaseDelayMs * 2 ** (attempt - 1));
    await sleep(Number.isFinite(seconds) && seconds >= 0 ? Math.min(20_000, seconds * 1000) : exponential);
  }
}
