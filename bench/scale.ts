/**
 * Scale checks: the same operation on a large and on a small subject, reported as ratios of the
 * two within one run. Round trips and capacity must not grow with the subject's size; latency is
 * shown as a ratio of medians because on a shared machine only ratios mean anything.
 */
import { entraGroup, patchBody } from './fixtures.ts';
import { measureRequest, summarizeSamples, type BenchRequest, type OperationResult, type Sample } from './measure.ts';
import { BenchScimClient } from './scim-client.ts';
import { seedDirectory, type SeedTarget } from './seed.ts';
import type { BenchStack } from './stack.ts';
import { ratio, type Deadline } from './stats.ts';

/** One comparison: `large` against `small`, and whether their DynamoDB cost is the same. */
export interface ScaleCheck {
  name: string;
  large: OperationResult;
  small: OperationResult;
  ratios: { roundTrips: number | undefined; readUnits: number | undefined; writeUnits: number | undefined; medianLatency: number | undefined };
  /** True when round trips, read and write units are equal: the cost does not grow with size. */
  equalCost: boolean;
  /** Whether a difference fails the run, or is expected and only reported. */
  enforced: boolean;
  note?: string;
}

export interface PagingWalk {
  /** Round trips, read and write units of each page of one sequential walk, by startIndex. */
  pages: Array<{ startIndex: number; roundTrips: number; readUnits: number; writeUnits: number }>;
  /** The same page asked for without the page before it (no marker): the cost of a jump. */
  jump: { startIndex: number; roundTrips: number; readUnits: number };
}

export interface ScaleResults {
  checks: ScaleCheck[];
  walk: PagingWalk;
  sizes: { groupMembers: number; pagingUsers: number };
}

export interface ScaleOptions {
  iterations: number;
  warmup: number;
  deadline: Deadline;
  groupMembers: number;
  pagingUsers: number;
}

const PAGE_SIZE = 100;
/** The far page of the paging check (RFC 7644 §3.4.2.4 startIndex is 1-based). */
const FAR_START_INDEX = 2001;

/** Summarises both sides of a check and whether their DynamoDB cost is the same in every sample. */
export function compare(name: string, large: Sample[], small: Sample[], enforced: boolean, note?: string): ScaleCheck {
  const largeResult = summarizeSamples(`${name} (large)`, large);
  const smallResult = summarizeSamples(`${name} (small)`, small);
  const sameEverywhere = (pick: (sample: Sample) => number) => new Set([...large, ...small].map(pick)).size === 1;
  return {
    name,
    large: largeResult,
    small: smallResult,
    ratios: {
      roundTrips: ratio(largeResult.roundTrips.median, smallResult.roundTrips.median),
      readUnits: ratio(largeResult.readUnits, smallResult.readUnits),
      writeUnits: ratio(largeResult.writeUnits, smallResult.writeUnits),
      medianLatency: ratio(largeResult.latency.medianMs, smallResult.latency.medianMs),
    },
    equalCost: sameEverywhere((s) => s.roundTrips) && sameEverywhere((s) => s.readUnits) && sameEverywhere((s) => s.writeUnits),
    enforced,
    ...(note === undefined ? {} : { note }),
  };
}

/**
 * Measures `large` and `small` alternately, so that a burst of load on the machine hits both
 * sides alike, and returns the recorded samples of each.
 */
async function alternate(
  measure: (request: BenchRequest) => Promise<Sample>,
  options: ScaleOptions,
  what: string,
  large: (i: number) => BenchRequest,
  small: (i: number) => BenchRequest,
): Promise<[Sample[], Sample[]]> {
  const largeSamples: Sample[] = [];
  const smallSamples: Sample[] = [];
  for (let i = 0; i < options.iterations + options.warmup; i++) {
    options.deadline.check(what);
    const a = await measure(large(i));
    const b = await measure(small(i));
    if (i >= options.warmup) {
      largeSamples.push(a);
      smallSamples.push(b);
    }
  }
  return [largeSamples, smallSamples];
}

export async function measureScale(stack: BenchStack, options: ScaleOptions): Promise<ScaleResults> {
  const { deadline, groupMembers, pagingUsers } = options;
  const target: SeedTarget = { service: stack.service, documents: stack.seedDocuments, tableName: stack.tableName, deadline };
  const runs = options.iterations + options.warmup;

  // A directory with one large group, an empty one, and users for both to gain as members.
  const groups = await stack.createDirectory('bench large group');
  const seededGroups = await seedDirectory(target, groups.ctx, 'gm', groupMembers + 2 * runs, groupMembers);
  const largeGroup = seededGroups.groupId as string;
  const emptyGroup = (await stack.service.create(groups.ctx, 'Group', entraGroup('gm-empty'))).body.id as string;
  const newcomers = seededGroups.userIds.slice(groupMembers);
  const groupClient = new BenchScimClient(groups.tenantUrl, groups.token);
  const onGroups = (request: BenchRequest) => measureRequest(stack.meter, groupClient, request, request.method === 'GET' ? 200 : 204);
  const getGroup = (id: string): BenchRequest => ({ method: 'GET', path: `/Groups/${id}?excludedAttributes=members` });
  const addMember = (id: string, member: string | undefined): BenchRequest => ({
    method: 'PATCH',
    path: `/Groups/${id}`,
    body: patchBody([{ op: 'Add', path: 'members', value: [{ value: member }] }]),
  });

  const checks: ScaleCheck[] = [];
  const [largeGets, smallGets] = await alternate(onGroups, options, 'group GET scale check', () => getGroup(largeGroup), () => getGroup(emptyGroup));
  checks.push(compare(`GET group ?excludedAttributes=members: ${groupMembers} members vs none`, largeGets, smallGets, true));
  const [largeAdds, smallAdds] = await alternate(
    onGroups,
    options,
    'group PATCH scale check',
    (i) => addMember(largeGroup, newcomers[2 * i]),
    (i) => addMember(emptyGroup, newcomers[2 * i + 1]),
  );
  checks.push(compare(`PATCH group add 1 member: ${groupMembers} members vs none`, largeAdds, smallAdds, true));

  // Paging over a directory of `pagingUsers` users.
  const paging = await stack.createDirectory('bench paging');
  await seedDirectory(target, paging.ctx, 'pg', pagingUsers);
  const pagingClient = new BenchScimClient(paging.tenantUrl, paging.token);
  const onPaging = (request: BenchRequest) => measureRequest(stack.meter, pagingClient, request, 200);
  const page = (startIndex: number): BenchRequest => ({ method: 'GET', path: `/Users?startIndex=${startIndex}&count=${PAGE_SIZE}` });

  // A client that jumps straight to a page no reader reached before pays for what it skips.
  const jumpIndex = FAR_START_INDEX + PAGE_SIZE / 2;
  const jumped = await onPaging(page(jumpIndex));

  // One sequential walk, the way Okta and other clients page: each page leaves the marker the next one reads.
  const walk: PagingWalk['pages'] = [];
  for (let startIndex = 1; startIndex <= FAR_START_INDEX; startIndex += PAGE_SIZE) {
    deadline.check('sequential paging walk');
    const sample = await onPaging(page(startIndex));
    walk.push({ startIndex, roundTrips: sample.roundTrips, readUnits: sample.readUnits, writeUnits: sample.writeUnits });
  }
  const [farPages, secondPages] = await alternate(onPaging, options, 'paging scale check', () => page(FAR_START_INDEX), () => page(1 + PAGE_SIZE));
  checks.push(compare(`GET /Users sequential page: startIndex=${FAR_START_INDEX} vs 101 (${pagingUsers} users)`, farPages, secondPages, true));
  const [farAgain, firstPages] = await alternate(onPaging, options, 'paging scale check', () => page(FAR_START_INDEX), () => page(1));
  checks.push(
    compare(
      `GET /Users sequential page: startIndex=${FAR_START_INDEX} vs 1 (${pagingUsers} users)`,
      farAgain,
      firstPages,
      false,
      'The first page has no page before it, so it reads no paging marker: one GetItem fewer than any later page.',
    ),
  );

  checks.push(...(await measureDirectoryApiScale(stack, options, { groupsDirectoryId: groups.directoryId, largeGroup, pagingDirectoryId: paging.directoryId })));

  return {
    checks,
    walk: { pages: walk, jump: { startIndex: jumpIndex, roundTrips: jumped.roundTrips, readUnits: jumped.readUnits } },
    sizes: { groupMembers, pagingUsers },
  };
}

/** Pages of the host Directory API are limited: a page costs the same far into a listing as at its start. */
const API_PAGE_LIMIT = 100;

/** The cursor of the page `pagesIn` pages into a listing, walked with the API's own cursors (not measured). */
async function cursorAfter(client: BenchScimClient, path: string, pagesIn: number, deadline: Deadline): Promise<string> {
  let cursor: string | undefined;
  for (let page = 0; page < pagesIn; page++) {
    deadline.check('Directory API cursor walk');
    const reply = await client.send('GET', `${path}?limit=${API_PAGE_LIMIT}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    const next = (reply.body as { nextCursor?: string }).nextCursor;
    if (reply.status !== 200 || next === undefined) throw new Error(`${path}: no page ${page + 2}`);
    cursor = next;
  }
  return cursor as string;
}

/**
 * The Directory API's pages (docs/host-api.md): a page of a large group's members, and of a
 * directory's users, far into the listing against its first page. The loopback server accepts
 * unsigned requests, so the bench client's bearer header is simply ignored.
 */
async function measureDirectoryApiScale(
  stack: BenchStack,
  options: ScaleOptions,
  subjects: { groupsDirectoryId: string; largeGroup: string; pagingDirectoryId: string },
): Promise<ScaleCheck[]> {
  const groupsApi = new BenchScimClient(`${stack.apiBaseUrl}/directories/${subjects.groupsDirectoryId}`, 'unused');
  const pagingApi = new BenchScimClient(`${stack.apiBaseUrl}/directories/${subjects.pagingDirectoryId}`, 'unused');
  const membersPath = `/groups/${subjects.largeGroup}/members`;
  const farPages = Math.max(1, Math.floor(options.groupMembers / API_PAGE_LIMIT) - 2);
  const farMembers = await cursorAfter(groupsApi, membersPath, farPages, options.deadline);
  const onGroups = (request: BenchRequest) => measureRequest(stack.meter, groupsApi, request, 200);
  const page = (path: string, cursor?: string): BenchRequest => ({
    method: 'GET',
    path: `${path}?limit=${API_PAGE_LIMIT}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
  });
  const checks: ScaleCheck[] = [];
  const [farMemberPages, firstMemberPages] = await alternate(onGroups, options, 'Directory API members scale check', () => page(membersPath, farMembers), () => page(membersPath));
  checks.push(compare(`Directory API members page (limit=${API_PAGE_LIMIT}): page ${farPages + 1} vs page 1 of ${options.groupMembers} members`, farMemberPages, firstMemberPages, true));

  const farUserPage = Math.floor(FAR_START_INDEX / API_PAGE_LIMIT);
  const farUsers = await cursorAfter(pagingApi, '/users', farUserPage, options.deadline);
  const onPaging = (request: BenchRequest) => measureRequest(stack.meter, pagingApi, request, 200);
  const [farUserPages, firstUserPages] = await alternate(onPaging, options, 'Directory API users scale check', () => page('/users', farUsers), () => page('/users'));
  checks.push(compare(`Directory API users page (limit=${API_PAGE_LIMIT}): page ${farUserPage + 1} vs page 1 of ${options.pagingUsers} users`, farUserPages, firstUserPages, true));
  return checks;
}
