/**
 * Microsoft Entra ID's initial provisioning cycle, sent the way Entra ID sends it: its User-Agent,
 * four requests at a time, a `filter=userName eq` lookup before each user create and a
 * `filter=displayName eq` lookup before each group create, one member per `PATCH /Groups/{id}`
 * (without `type`, which Entra ID never sends), and user changes as PATCHes of plain attributes.
 *
 * What it measures is the DynamoDB traffic of the whole cycle: requests by kind, DynamoDB requests
 * per SCIM request, and capacity per request, overall and per kind of SCIM request (the meter
 * labels each DynamoDB request with the SCIM request it served, see `scimRequestKind`). Requests
 * per second are a ratio within the run, never judged. Afterwards the stored users, groups and
 * memberships are counted again with Query; a count that is not exact is a problem of the run.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { readCounters } from '../functions/adapters/dynamodb/counters.ts';
import { keys, SK } from '../functions/adapters/dynamodb/keys.ts';
import { ENTERPRISE_USER_SCHEMA } from '../functions/core/schemas/urns.ts';
import { CapacityMeter, type MeteredRequest } from './capacity-meter.ts';
import { entraGroup, entraUser, patchBody, seedTag } from './fixtures.ts';
import { BenchScimClient } from './scim-client.ts';
import type { BenchStack } from './stack.ts';
import type { Deadline } from './stats.ts';

/** The User-Agent of Entra ID's provisioning service. */
export const ENTRA_USER_AGENT = 'Azure Active Directory SCIM Client';

/** The size of the cycle, and how many requests are in flight at once. */
export interface EntraCycleShape {
  users: number;
  groups: number;
  /** Single-member adds; each user joins at most two groups. */
  memberAdds: number;
  /** User PATCHes of plain attributes; every `disableEvery`-th of them also sets active false. */
  userUpdates: number;
  disableEvery: number;
  concurrency: number;
}

export const ENTRA_CYCLE: EntraCycleShape = { users: 500, groups: 25, memberAdds: 1000, userUpdates: 75, disableEvery: 5, concurrency: 4 };

/** Targets the cycle is measured against (docs/benchmarks.md). */
export const ENTRA_CYCLE_TARGETS = {
  /** DynamoDB requests per SCIM request over the whole cycle; 1.0 is the floor (every request reads or writes once). */
  dynamoDbRequestsPerScimRequest: 1.1,
  /** DynamoDB requests of one single-member add. */
  memberAddDynamoDbRequests: 1,
  /** Write capacity units per SCIM request over the cycle: no more than before a member add became one write. */
  writeUnitsPerScimRequest: 5.82,
} as const;

/** The cost of one kind of SCIM request over the cycle. */
export interface CycleKindCost {
  /** E.g. `PATCH /Groups/{id}`, as `scimRequestKind` names it. */
  kind: string;
  /** What the kind is in Entra ID's cycle (e.g. "member add"). */
  name: string;
  scimRequests: number;
  dynamoDbRequests: number;
  /** DynamoDB requests of this kind by command, e.g. `{ GetItem: 1000, TransactWriteItems: 1000 }`. */
  byCommand: Record<string, number>;
  dynamoDbRequestsPerScimRequest: number;
  readUnitsPerRequest: number;
  /** Transactions priced by item size (capacity-meter.ts), everything else as DynamoDB Local reports it. */
  writeUnitsPerRequest: number;
  /** Write units per request as DynamoDB Local reports them. */
  localWriteUnitsPerRequest: number;
}

export interface EntraCycleResult {
  shape: EntraCycleShape;
  userAgent: string;
  scimRequests: number;
  dynamoDbRequests: number;
  byCommand: Record<string, number>;
  dynamoDbRequestsPerScimRequest: number;
  readUnitsPerRequest: number;
  writeUnitsPerRequest: number;
  localWriteUnitsPerRequest: number;
  /** BatchGetItem keys that found no item, over the cycle (see docs/benchmarks.md on their billing). */
  missingKeys: number;
  /** DynamoDB requests that reported no consumed capacity (expected 0). */
  unreported: number;
  kinds: CycleKindCost[];
  /** SCIM requests per second over the cycle's wall-clock time, the meter's item-size reads included. */
  scimRequestsPerSecond: number;
  durationMs: number;
  /** Time the meter spent reading item sizes, summed over requests (they overlap four at a time). */
  meterOverheadMs: number;
  targets: { dynamoDbRequestsPerScimRequest: number; memberAddDynamoDbRequests: number; writeUnitsPerScimRequest: number; met: { cycle: boolean; memberAdd: boolean; writeUnits: boolean } };
  /** What is stored afterwards, counted by Query, against what the cycle created. */
  counts: { expected: StoredCounts; found: StoredCounts; exact: boolean };
  /** Requests that did not answer the status Entra ID expects. */
  failures: string[];
}

interface StoredCounts {
  users: number;
  groups: number;
  memberships: number;
  /** The directory's counters, summed over their shards (what `totalResults` is answered from). */
  counters: { users: number; activeUsers: number; groups: number };
}

/** The SCIM requests of the cycle by the label the meter gives their DynamoDB requests. */
const KINDS = {
  'GET /Users?filter': 'user lookup by userName (no match)',
  'POST /Users': 'user create',
  'GET /Groups?filter': 'group lookup by displayName (no match)',
  'POST /Groups': 'group create',
  'PATCH /Groups/{id}': 'member add (1 member, no type)',
  'PATCH /Users/{id}': 'user update (Replace plain attributes)',
} as const;
type Kind = keyof typeof KINDS;

const withId = z.object({ id: z.string().min(1) });
const emptyList = z.object({ totalResults: z.literal(0) });

/** One unit of work: a few requests that must follow each other (a lookup, then the create). */
type Task = () => Promise<void>;

/**
 * Runs tasks `concurrency` at a time in lanes: a task goes to lane `laneOf(index)`, and each lane
 * runs its tasks in order. Member adds of one group share a lane, as Entra ID does not send two
 * changes of one object at once.
 */
async function runInLanes(tasks: readonly Task[], concurrency: number, laneOf: (index: number) => number, deadline: Deadline, what: string): Promise<void> {
  const lanes: Task[][] = Array.from({ length: concurrency }, () => []);
  tasks.forEach((task, index) => lanes[laneOf(index) % concurrency]?.push(task));
  await Promise.all(
    lanes.map(async (lane) => {
      for (const task of lane) {
        deadline.check(what);
        await task();
      }
    }),
  );
}

/** Counts the items of a directory whose sort key starts with `prefix` (strongly consistent Query, all pages). */
async function countItems(documents: DynamoDBDocumentClient, tableName: string, directoryId: string, prefix: string, deadline: Deadline): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 100_000; page++) {
    deadline.check('recounting the cycle by Query');
    const reply = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':prefix': prefix },
        Select: 'COUNT',
        ConsistentRead: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    count += reply.Count ?? 0;
    startKey = reply.LastEvaluatedKey;
    if (startKey === undefined) return count;
  }
  throw new Error('recounting: too many pages');
}

/** The directory's stored users, groups and memberships, counted by Query, and its counters. */
export async function storedCounts(stack: Pick<BenchStack, 'seedDocuments' | 'tableName'>, directoryId: string, deadline: Deadline): Promise<StoredCounts> {
  const count = (prefix: string) => countItems(stack.seedDocuments, stack.tableName, directoryId, prefix, deadline);
  return {
    users: await count(SK.userPrefix),
    groups: await count(SK.groupPrefix),
    memberships: await count(SK.memberPrefix),
    counters: await readCounters(stack.seedDocuments, stack.tableName, directoryId, { consistent: true }),
  };
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function costOf(requests: readonly MeteredRequest[], scimRequests: number) {
  const totals = CapacityMeter.totals(requests);
  const byCommand: Record<string, number> = {};
  for (const command of totals.commands) byCommand[command] = (byCommand[command] ?? 0) + 1;
  const per = (value: number) => (scimRequests === 0 ? 0 : round(value / scimRequests));
  return {
    totals,
    byCommand,
    dynamoDbRequestsPerScimRequest: per(totals.roundTrips),
    readUnitsPerRequest: per(totals.readUnits),
    writeUnitsPerRequest: per(totals.writeUnits),
    localWriteUnitsPerRequest: per(totals.localWriteUnits),
  };
}

/** Runs Entra ID's initial cycle against a fresh directory and reports what it cost. */
export async function measureEntraCycle(stack: BenchStack, deadline: Deadline, shape: EntraCycleShape = ENTRA_CYCLE): Promise<EntraCycleResult> {
  if (shape.memberAdds > 2 * shape.users || shape.groups < 2 || shape.userUpdates > shape.users) throw new Error('Entra ID cycle: impossible shape');
  const directory = await stack.createDirectory('bench entra cycle');
  const client = new BenchScimClient(directory.tenantUrl, directory.token, ENTRA_USER_AGENT);
  const sent = new Map<Kind, number>();
  const failures: string[] = [];
  const send = async (kind: Kind, method: string, path: string, expected: number, body?: unknown) => {
    sent.set(kind, (sent.get(kind) ?? 0) + 1);
    const reply = await client.send(method, path, body);
    if (reply.status !== expected && failures.length < 20) failures.push(`${method} ${path} answered ${reply.status}, expected ${expected}: ${JSON.stringify(reply.body)}`);
    return reply;
  };
  const userIds: Array<string | undefined> = Array.from({ length: shape.users });
  const groupIds: Array<string | undefined> = Array.from({ length: shape.groups });

  stack.meter.take();
  stack.meter.takeOverheadMs();
  const started = performance.now();

  // Users: Entra ID looks each one up by userName, finds nothing, and creates it.
  const userTasks = userIds.map((_, n): Task => async () => {
    const body = entraUser(seedTag('entra', n));
    const lookup = await send('GET /Users?filter', 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${String(body.userName)}"`)}`, 200);
    if (!emptyList.safeParse(lookup.body).success) failures.push(`user lookup ${n} found a user before it was created`);
    const created = await send('POST /Users', 'POST', '/Users', 201, body);
    userIds[n] = withId.safeParse(created.body).data?.id;
  });
  await runInLanes(userTasks, shape.concurrency, (index) => index, deadline, 'Entra ID cycle: users');

  // Groups: looked up by displayName (members excluded, as Entra ID asks), then created empty.
  const groupTasks = groupIds.map((_, g): Task => async () => {
    const body = entraGroup(seedTag('entra', g));
    const filter = encodeURIComponent(`displayName eq "${String(body.displayName)}"`);
    const lookup = await send('GET /Groups?filter', 'GET', `/Groups?excludedAttributes=members&filter=${filter}`, 200);
    if (!emptyList.safeParse(lookup.body).success) failures.push(`group lookup ${g} found a group before it was created`);
    const created = await send('POST /Groups', 'POST', '/Groups', 201, body);
    groupIds[g] = withId.safeParse(created.body).data?.id;
  });
  await runInLanes(groupTasks, shape.concurrency, (index) => index, deadline, 'Entra ID cycle: groups');

  // Memberships: add j puts user j mod users into group j mod groups, and, on the second pass over
  // the users, into the group 7 further on, so no user joins one group twice. One member per PATCH.
  const memberOf = (j: number) => ({ user: j % shape.users, group: (j + Math.floor(j / shape.users) * 7) % shape.groups });
  const addTasks = Array.from({ length: shape.memberAdds }, (_, j): Task => async () => {
    const { user, group } = memberOf(j);
    const body = patchBody([{ op: 'Add', path: 'members', value: [{ value: userIds[user] }] }]);
    await send('PATCH /Groups/{id}', 'PATCH', `/Groups/${groupIds[group]}`, 204, body);
  });
  await runInLanes(addTasks, shape.concurrency, (j) => memberOf(j).group, deadline, 'Entra ID cycle: member adds');

  // User changes: Replace of plain attributes, and for every disableEvery-th user active "False".
  const updateTasks = Array.from({ length: shape.userUpdates }, (_, n): Task => async () => {
    const operations: Array<Record<string, unknown>> = [
      { op: 'Replace', path: 'title', value: `Senior Engineer ${n}` },
      { op: 'Replace', path: 'name.givenName', value: `Given${n}` },
      { op: 'Replace', path: `${ENTERPRISE_USER_SCHEMA}:department`, value: `Department ${n}` },
    ];
    if (n % shape.disableEvery === 0) operations.push({ op: 'Replace', path: 'active', value: 'False' });
    await send('PATCH /Users/{id}', 'PATCH', `/Users/${userIds[n]}`, 200, patchBody(operations));
  });
  await runInLanes(updateTasks, shape.concurrency, (index) => index, deadline, 'Entra ID cycle: user updates');

  const durationMs = performance.now() - started;
  const requests = stack.meter.take();
  const meterOverheadMs = stack.meter.takeOverheadMs();
  const scimRequests = [...sent.values()].reduce((sum, count) => sum + count, 0);
  const overall = costOf(requests, scimRequests);
  const kinds: CycleKindCost[] = (Object.keys(KINDS) as Kind[]).map((kind) => {
    const cost = costOf(
      requests.filter((request) => request.scope === kind),
      sent.get(kind) ?? 0,
    );
    return {
      kind,
      name: KINDS[kind],
      scimRequests: sent.get(kind) ?? 0,
      dynamoDbRequests: cost.totals.roundTrips,
      byCommand: cost.byCommand,
      dynamoDbRequestsPerScimRequest: cost.dynamoDbRequestsPerScimRequest,
      readUnitsPerRequest: cost.readUnitsPerRequest,
      writeUnitsPerRequest: cost.writeUnitsPerRequest,
      localWriteUnitsPerRequest: cost.localWriteUnitsPerRequest,
    };
  });
  const unlabelled = requests.filter((request) => request.scope === undefined || !(request.scope in KINDS));
  if (unlabelled.length > 0) failures.push(`${unlabelled.length} DynamoDB requests served no SCIM request of the cycle`);

  const disabled = Math.ceil(shape.userUpdates / shape.disableEvery);
  const expected: StoredCounts = {
    users: shape.users,
    groups: shape.groups,
    memberships: shape.memberAdds,
    counters: { users: shape.users, activeUsers: shape.users - disabled, groups: shape.groups },
  };
  const found = await storedCounts(stack, directory.directoryId, deadline);
  const memberAdd = kinds.find((kind) => kind.kind === 'PATCH /Groups/{id}');
  return {
    shape,
    userAgent: ENTRA_USER_AGENT,
    scimRequests,
    dynamoDbRequests: overall.totals.roundTrips,
    byCommand: overall.byCommand,
    dynamoDbRequestsPerScimRequest: overall.dynamoDbRequestsPerScimRequest,
    readUnitsPerRequest: overall.readUnitsPerRequest,
    writeUnitsPerRequest: overall.writeUnitsPerRequest,
    localWriteUnitsPerRequest: overall.localWriteUnitsPerRequest,
    missingKeys: overall.totals.missingKeys,
    unreported: overall.totals.unreported,
    kinds,
    scimRequestsPerSecond: round(scimRequests / (durationMs / 1000), 1),
    durationMs: Math.round(durationMs),
    meterOverheadMs: Math.round(meterOverheadMs),
    targets: {
      ...ENTRA_CYCLE_TARGETS,
      met: {
        cycle: overall.dynamoDbRequestsPerScimRequest <= ENTRA_CYCLE_TARGETS.dynamoDbRequestsPerScimRequest,
        memberAdd: memberAdd !== undefined && memberAdd.dynamoDbRequestsPerScimRequest <= ENTRA_CYCLE_TARGETS.memberAddDynamoDbRequests,
        writeUnits: overall.writeUnitsPerRequest <= ENTRA_CYCLE_TARGETS.writeUnitsPerScimRequest,
      },
    },
    counts: { expected, found, exact: JSON.stringify(expected) === JSON.stringify(found) },
    failures,
  };
}
