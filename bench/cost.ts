/**
 * Cost per million SCIM requests, from the measured capacity of each operation and an assumed
 * mix of operations. Prices are us-east-1 list prices; the assumptions are stated beside them so
 * a reader can redo the sums with their own.
 */
import type { MeasuredOperation, OperationId } from './operations.ts';

export const PRICING = {
  region: 'us-east-1',
  /**
   * DynamoDB on-demand since 1 November 2024 (halved from $1.25 / $0.25). A standard write is
   * 1 WRU per KB and a transactional one 2; a strongly consistent read 1 RRU per 4 KB, an
   * eventually consistent one 0.5 and a transactional one 2. DynamoDB Local reports units by
   * these rules, transactions doubled, so the measured units are priced as they are.
   */
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  /** The on-demand prices before November 2024, for comparison with older estimates. */
  previousDynamoDbPerMillionWriteUnits: 1.25,
  previousDynamoDbPerMillionReadUnits: 0.25,
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** REST API, first 333 million requests a month. */
  apiGatewayPerMillionRequests: 3.5,
} as const;

export const LAMBDA_ASSUMPTIONS = {
  architecture: 'arm64',
  /** The users and groups functions' memory (lib/scim-function.ts default). */
  memoryGb: 0.5,
  /** Assumed average billed duration in AWS (warm, one to three DynamoDB round trips). Local latency is not AWS latency. */
  averageDurationMs: 50,
} as const;

/** A named share of requests per operation; shares sum to 1. */
export interface OperationMix {
  name: string;
  description: string;
  shares: Partial<Record<OperationId, number>>;
}

/**
 * The mixes priced. The first is the bench's estimate of a steady Entra ID provisioning cycle:
 * Entra ID looks a user up by userName before it creates or changes one, PATCHes changed users,
 * disables leavers long before it deletes them, and sends group membership changes as PATCHes
 * of one or a few members, reading groups with excludedAttributes=members.
 * The others are the rows docs/deploy.md asks for.
 */
export const MIXES: OperationMix[] = [
  {
    name: 'Entra ID steady provisioning (typical)',
    description:
      'per 100 requests: 30 userName lookups that match and 5 that do not, 20 user PATCHes, 4 disables, 5 user creates, 4 GETs by id, 2 externalId lookups, 8 group GETs without members, 1 group create, 10 single-member adds, 2 ten-member adds, 5 member removals, 1 page of users, 2 user deletes, 1 group delete',
    shares: {
      filterUserName: 0.3,
      findMissingUser: 0.05,
      patchUser: 0.2,
      deactivateUser: 0.04,
      postUser: 0.05,
      getUser: 0.04,
      filterExternalId: 0.02,
      getGroupWithoutMembers: 0.08,
      postGroup: 0.01,
      addOneMember: 0.1,
      addTenMembers: 0.02,
      removeMember: 0.05,
      pageByIndex: 0.01,
      deleteUser: 0.02,
      deleteGroup: 0.01,
    },
  },
  {
    name: 'Entra ID initial cycle (lookup + create)',
    description: 'each user: a userName lookup that finds nothing, then a POST',
    shares: { findMissingUser: 0.5, postUser: 0.5 },
  },
  {
    name: 'Entra ID incremental cycle (PATCH)',
    description: 'each changed user: a userName lookup, then a PATCH of its attributes',
    shares: { filterUserName: 0.5, patchUser: 0.5 },
  },
  { name: 'Group membership PATCH (100 members)', description: 'PATCH adding 100 members', shares: { addHundredMembers: 1 } },
  { name: 'GET / filter by userName', description: 'userName eq lookups that match', shares: { filterUserName: 1 } },
];

export interface MixCost {
  name: string;
  description: string;
  /** Average units per request of the mix. */
  readUnitsPerRequest: number;
  writeUnitsPerRequest: number;
  /** Dollars per million requests. */
  dynamoDb: number;
  /**
   * The same, if DynamoDB bills each BatchGetItem key that finds no item the minimum read
   * (1 RRU, the reads are strongly consistent). DynamoDB Local bills them nothing; AWS does not
   * document it either way, so this is the upper bound.
   */
  dynamoDbIfMissingKeysBilled: number;
  dynamoDbAtPreviousPrices: number;
  lambda: number;
  apiGateway: number;
  total: number;
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/** Lambda dollars per million requests under {@link LAMBDA_ASSUMPTIONS}. */
export function lambdaCostPerMillion(): number {
  const gbSeconds = 1_000_000 * LAMBDA_ASSUMPTIONS.memoryGb * (LAMBDA_ASSUMPTIONS.averageDurationMs / 1000);
  return gbSeconds * PRICING.lambdaPerGbSecond + PRICING.lambdaPerMillionRequests;
}

/** Prices a mix with the measured median units of each operation. */
export function costOfMix(mix: OperationMix, operations: readonly MeasuredOperation[]): MixCost {
  const byId = new Map(operations.map((operation) => [operation.id, operation]));
  let readUnits = 0;
  let writeUnits = 0;
  let missingKeys = 0;
  let shareTotal = 0;
  for (const [id, share] of Object.entries(mix.shares) as Array<[OperationId, number]>) {
    const operation = byId.get(id);
    if (operation === undefined) throw new Error(`mix "${mix.name}" names ${id}, which was not measured`);
    readUnits += share * operation.readUnits;
    writeUnits += share * operation.writeUnits;
    missingKeys += share * operation.missingKeys;
    shareTotal += share;
  }
  if (Math.abs(shareTotal - 1) > 1e-9) throw new Error(`the shares of mix "${mix.name}" sum to ${shareTotal}, not 1`);
  // Units per request × one million requests × dollars per million units = dollars per million requests.
  const dynamoDb = readUnits * PRICING.dynamoDbPerMillionReadUnits + writeUnits * PRICING.dynamoDbPerMillionWriteUnits;
  const previous = readUnits * PRICING.previousDynamoDbPerMillionReadUnits + writeUnits * PRICING.previousDynamoDbPerMillionWriteUnits;
  const lambda = lambdaCostPerMillion();
  return {
    name: mix.name,
    description: mix.description,
    readUnitsPerRequest: round4(readUnits),
    writeUnitsPerRequest: round4(writeUnits),
    dynamoDb: round4(dynamoDb),
    dynamoDbIfMissingKeysBilled: round4(dynamoDb + missingKeys * PRICING.dynamoDbPerMillionReadUnits),
    dynamoDbAtPreviousPrices: round4(previous),
    lambda: round4(lambda),
    apiGateway: PRICING.apiGatewayPerMillionRequests,
    total: round4(dynamoDb + lambda + PRICING.apiGatewayPerMillionRequests),
  };
}
