/**
 * The SCIM operations Microsoft Entra ID and Okta perform, each measured over N requests through
 * HTTP → middy handler → directory service → DynamoDB Local.
 *
 * Each request is built just before it is sent; building may do set-up through the service
 * (a fresh user to deactivate, a member to remove), which the meter discards. Every request
 * changes something it has not changed before, so no PATCH is a no-op and no DELETE hits a 404.
 */
import { z } from 'zod';
import { entraGroup, entraUser, patchBody, seedTag } from './fixtures.ts';
import { measureRequest, summarizeSamples, type BenchRequest, type OperationResult, type Sample } from './measure.ts';
import { BenchScimClient } from './scim-client.ts';
import { seedDirectory } from './seed.ts';
import type { BenchStack } from './stack.ts';
import type { DirectoryService, ScimContext } from '../functions/service/directory-service.ts';
import type { Deadline } from './stats.ts';

/** The operations measured; the cost mixes refer to them by these ids. */
export const OPERATION_IDS = [
  'postUser',
  'getUser',
  'filterUserName',
  'findMissingUser',
  'filterExternalId',
  'patchUser',
  'deactivateUser',
  'postGroup',
  'addOneMember',
  'addTenMembers',
  'addHundredMembers',
  'removeMember',
  'getGroupWithoutMembers',
  'pageByIndex',
  'pageByCursor',
  'deleteUser',
  'deleteGroup',
] as const;
export type OperationId = (typeof OPERATION_IDS)[number];

export interface MeasuredOperation extends OperationResult {
  id: OperationId;
  request: string;
}

export interface OperationsOptions {
  iterations: number;
  /** Unrecorded requests before the recorded ones, so a cold code path does not skew the median. */
  warmup: number;
  deadline: Deadline;
}

/** One operation as the bench sends it. */
export interface OperationSpec {
  id: OperationId;
  name: string;
  /** The request as a reader would recognise it. */
  request: string;
  expectedStatus: number;
  /** Fewer iterations for operations whose set-up is large. */
  iterations?: number;
  build(iteration: number): Promise<BenchRequest>;
}

const listWithCursor = z.object({ nextCursor: z.string().min(1) });
const withId = z.object({ id: z.string().min(1) });

/** Iterations of the 100-member PATCH: each one needs 100 users that are not members yet. */
const HUNDRED_MEMBER_ITERATIONS = 3;
/** Users in the operations directory besides those the scenarios consume. */
const BASE_USERS = 300;

const filterPath = (expression: string) => `/Users?filter=${encodeURIComponent(expression)}`;

/** Hands out seeded users, each once. */
export class Pool {
  #next = 0;
  constructor(private readonly ids: readonly string[]) {}
  take(count: number): string[] {
    if (this.#next + count > this.ids.length) throw new Error(`the bench's user pool ran dry (${this.ids.length} users)`);
    const taken = this.ids.slice(this.#next, this.#next + count);
    this.#next += count;
    return taken;
  }
}

/** A seeded directory the operations run against, and the users they may consume. */
export interface OperationSubject {
  client: BenchScimClient;
  service: DirectoryService;
  ctx: ScimContext;
  /** A group holding `readTarget`, `patchTarget` and the users of `removable`. */
  groupId: string;
  readTarget: string;
  patchTarget: string;
  /** Group members to remove, each once. */
  removable: Pool;
  /** Users that are not members, to add, disable or delete, each once. */
  pool: Pool;
  /** The userName of `readTarget`'s kind and number, to look it up by. */
  readTag: string;
}

/**
 * Seeds a directory of `users` users whose first `groupMembers` are members of one group, and
 * returns it as a subject: users 0 and 1 are read and patched, the other members removed, and the
 * users from `poolStart` on consumed.
 */
export async function seedOperationSubject(
  stack: BenchStack,
  deadline: Deadline,
  layout: { name: string; kind: string; users: number; groupMembers: number; poolStart: number },
): Promise<OperationSubject> {
  const directory = await stack.createDirectory(layout.name);
  const seeded = await seedDirectory(
    { service: stack.service, documents: stack.seedDocuments, tableName: stack.tableName, deadline },
    directory.ctx,
    layout.kind,
    layout.users,
    layout.groupMembers,
  );
  // Users 0 and 1 are group members, as most users of an Entra ID assignment are.
  const [readTarget, patchTarget] = seeded.userIds as [string, string];
  return {
    client: new BenchScimClient(directory.tenantUrl, directory.token),
    service: stack.service,
    ctx: directory.ctx,
    groupId: seeded.groupId as string,
    readTarget,
    patchTarget,
    removable: new Pool(seeded.userIds.slice(2, layout.groupMembers)),
    pool: new Pool(seeded.userIds.slice(layout.poolStart)),
    readTag: seedTag(layout.kind, 0),
  };
}

/** The operations against one subject; each `build` takes users from the subject's pools. */
export function operationSpecs(subject: OperationSubject, iterations: number): OperationSpec[] {
  const { client, service, ctx, groupId, readTarget, patchTarget, removable, pool } = subject;
  let cursor: string | undefined;
  const specs: OperationSpec[] = [
    {
      id: 'postUser',
      name: 'Create user',
      request: 'POST /Users',
      expectedStatus: 201,
      build: async (i) => ({ method: 'POST', path: '/Users', body: entraUser(seedTag('new', i)) }),
    },
    { id: 'getUser', name: 'Get user by id', request: 'GET /Users/{id}', expectedStatus: 200, build: async () => ({ method: 'GET', path: `/Users/${readTarget}` }) },
    {
      id: 'filterUserName',
      name: 'Find user by userName',
      request: 'GET /Users?filter=userName eq "…"',
      expectedStatus: 200,
      build: async () => ({ method: 'GET', path: filterPath(`userName eq "${subject.readTag}@contoso.example"`) }),
    },
    {
      id: 'findMissingUser',
      name: 'Find user by userName (no match)',
      request: 'GET /Users?filter=userName eq "…" (unknown)',
      expectedStatus: 200,
      // Entra ID's lookup before a create, and its Test Connection probe, find nothing.
      build: async (i) => ({ method: 'GET', path: filterPath(`userName eq "${seedTag('absent', i)}@contoso.example"`) }),
    },
    {
      id: 'filterExternalId',
      name: 'Find user by externalId',
      request: 'GET /Users?filter=externalId eq "…"',
      expectedStatus: 200,
      build: async () => ({ method: 'GET', path: filterPath(`externalId eq "ext-${subject.readTag}"`) }),
    },
    {
      id: 'patchUser',
      name: 'Update user attributes',
      request: 'PATCH /Users/{id} (5 × Replace)',
      expectedStatus: 200,
      build: async (i) => ({
        method: 'PATCH',
        path: `/Users/${patchTarget}`,
        body: patchBody([
          { op: 'Replace', path: 'displayName', value: `Renamed User ${i}` },
          { op: 'Replace', path: 'title', value: `Title ${i}` },
          { op: 'Replace', path: 'name.familyName', value: `Family ${i}` },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: `renamed${i}@contoso.example` },
          { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: `Department ${i}` },
        ]),
      }),
    },
    {
      id: 'deactivateUser',
      name: 'Disable user',
      request: 'PATCH /Users/{id} active "False"',
      expectedStatus: 200,
      build: async () => ({ method: 'PATCH', path: `/Users/${pool.take(1)[0]}`, body: patchBody([{ op: 'Replace', path: 'active', value: 'False' }]) }),
    },
    {
      id: 'postGroup',
      name: 'Create group',
      request: 'POST /Groups',
      expectedStatus: 201,
      build: async (i) => ({ method: 'POST', path: '/Groups', body: entraGroup(seedTag('new', i)) }),
    },
    ...([
      ['addOneMember', 1, 'Add 1 member'],
      ['addTenMembers', 10, 'Add 10 members'],
      ['addHundredMembers', 100, 'Add 100 members'],
    ] as const).map(
      ([id, count, name]): OperationSpec => ({
        id,
        name,
        request: `PATCH /Groups/{id} Add members ×${count}`,
        expectedStatus: 204,
        ...(count === 100 ? { iterations: Math.min(iterations, HUNDRED_MEMBER_ITERATIONS) } : {}),
        build: async () => ({
          method: 'PATCH',
          path: `/Groups/${groupId}`,
          body: patchBody([{ op: 'Add', path: 'members', value: pool.take(count).map((value) => ({ value })) }]),
        }),
      }),
    ),
    {
      id: 'removeMember',
      name: 'Remove 1 member',
      request: 'PATCH /Groups/{id} Remove members ×1',
      expectedStatus: 204,
      build: async () => ({
        method: 'PATCH',
        path: `/Groups/${groupId}`,
        body: patchBody([{ op: 'Remove', path: 'members', value: removable.take(1).map((value) => ({ value })) }]),
      }),
    },
    {
      id: 'getGroupWithoutMembers',
      name: 'Get group without members',
      request: 'GET /Groups/{id}?excludedAttributes=members',
      expectedStatus: 200,
      build: async () => ({ method: 'GET', path: `/Groups/${groupId}?excludedAttributes=members` }),
    },
    {
      id: 'pageByIndex',
      name: 'Next page (startIndex)',
      request: 'GET /Users?startIndex=101&count=100',
      expectedStatus: 200,
      build: async (i) => {
        // The page before leaves the marker a sequential reader finds (RFC 7644 §3.4.2.4 paging).
        if (i === 0) await client.send('GET', '/Users?startIndex=1&count=100');
        return { method: 'GET', path: '/Users?startIndex=101&count=100' };
      },
    },
    {
      id: 'pageByCursor',
      name: 'Next page (cursor)',
      request: 'GET /Users?cursor=…&count=100',
      expectedStatus: 200,
      build: async () => {
        // RFC 9865: the first page is asked for with an empty cursor; the second is measured.
        cursor ??= listWithCursor.parse((await client.send('GET', '/Users?cursor=&count=100')).body).nextCursor;
        return { method: 'GET', path: `/Users?cursor=${encodeURIComponent(cursor)}&count=100` };
      },
    },
    {
      id: 'deleteUser',
      name: 'Delete user',
      request: 'DELETE /Users/{id}',
      expectedStatus: 204,
      build: async () => ({ method: 'DELETE', path: `/Users/${pool.take(1)[0]}` }),
    },
    {
      id: 'deleteGroup',
      name: 'Delete group (no members)',
      request: 'DELETE /Groups/{id}',
      expectedStatus: 204,
      build: async (i) => {
        const created = await service.create(ctx, 'Group', entraGroup(seedTag('gone', i)));
        return { method: 'DELETE', path: `/Groups/${withId.parse(created.body).id}` };
      },
    },
  ];

  return specs;
}

/** Seeds the operations directory, then measures every operation in turn. */
export async function measureOperations(stack: BenchStack, options: OperationsOptions): Promise<MeasuredOperation[]> {
  const { iterations, warmup, deadline } = options;
  const runs = iterations + warmup;
  const hundredRuns = Math.min(iterations, HUNDRED_MEMBER_ITERATIONS) + warmup;
  const members = runs + 2;
  const poolSize = runs * (1 + 1 + 10 + 1) + hundredRuns * 100;
  const subject = await seedOperationSubject(stack, deadline, {
    name: 'bench operations',
    kind: 'op',
    users: members + BASE_USERS + poolSize,
    groupMembers: members,
    poolStart: members + BASE_USERS,
  });
  const specs = operationSpecs(subject, iterations);
  const { meter } = stack;
  const client = subject.client;

  const results: MeasuredOperation[] = [];
  for (const spec of specs) {
    const recorded = spec.iterations ?? iterations;
    const samples: Sample[] = [];
    for (let i = 0; i < recorded + warmup; i++) {
      deadline.check(spec.name);
      const request = await spec.build(i);
      const sample = await measureRequest(meter, client, request, spec.expectedStatus);
      if (i >= warmup) samples.push(sample);
    }
    results.push({ id: spec.id, request: spec.request, ...summarizeSamples(spec.name, samples) });
  }
  return results;
}
