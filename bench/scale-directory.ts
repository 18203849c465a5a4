/**
 * `npm run bench -- --scale`: every operation of the bench against a 100,000-user directory whose
 * group has 50,000 members, and against a 1,000-user directory whose group has 500, alternately,
 * in the layout of the scale checks. The cost of an operation (round trips, RCU, WCU) must not
 * depend on the directory's size; the run fails when it does.
 *
 * The directories are filled by the bench's fast seeding (seed.ts: the first user and membership
 * through the service, the rest as BatchWriteItem copies with their own keys), and the time that
 * takes is reported as the initial load, with the directory's counters read back.
 *
 * DynamoDB Local's Query slows down with the size of the partition (over a second for 100 items
 * of a 350,000-item directory on a small machine; DynamoDB's does not), so the directories are
 * not recounted by Query here, and operations that query (paging, group delete) take seconds
 * each. Their latency is DynamoDB Local's; their cost in round trips and capacity is the service's.
 */
import { performance } from 'node:perf_hooks';
import { readCounters } from '../functions/adapters/dynamodb/counters.ts';
import { measureRequest, type Sample } from './measure.ts';
import { operationSpecs, seedOperationSubject, type OperationSpec } from './operations.ts';
import { compare, type ScaleCheck } from './scale.ts';
import type { BenchStack } from './stack.ts';
import type { Deadline } from './stats.ts';

/** The sizes compared; the small side is the size the per-operation table is measured near. */
export interface DirectoryScaleShape {
  largeUsers: number;
  largeGroupMembers: number;
  smallUsers: number;
  smallGroupMembers: number;
}

export const DIRECTORY_SCALE: DirectoryScaleShape = { largeUsers: 100_000, largeGroupMembers: 50_000, smallUsers: 1_000, smallGroupMembers: 500 };

/**
 * Left out at scale: the 100-member add needs hundreds of fresh users per iteration on both sides
 * and costs per member, whatever the group's size (the 1-member and 10-member adds are compared).
 */
const SKIPPED: ReadonlySet<string> = new Set(['addHundredMembers']);

export interface DirectoryLoad {
  users: number;
  groupMembers: number;
  /** Seconds to seed the directory (items written, counters set). */
  seconds: number;
  /** Items written per second. */
  itemsPerSecond: number;
  /** The directory's user count after seeding (what `totalResults` is answered from). */
  countersUsers: number;
}

export interface DirectoryScaleResults {
  shape: DirectoryScaleShape;
  dynamoDbHeapMb: number;
  loads: { large: DirectoryLoad; small: DirectoryLoad };
  checks: ScaleCheck[];
  /** Problems of the seeding (counts that are not what was seeded). */
  problems: string[];
}

export async function measureDirectoryScale(
  stack: BenchStack,
  options: { iterations: number; warmup: number; deadline: Deadline; dynamoDbHeapMb: number; shape?: DirectoryScaleShape },
): Promise<DirectoryScaleResults> {
  const shape = options.shape ?? DIRECTORY_SCALE;
  const { deadline } = options;
  const problems: string[] = [];
  const load = async (side: 'large' | 'small', users: number, groupMembers: number) => {
    const started = performance.now();
    const subject = await seedOperationSubject(stack, deadline, { name: `bench ${side} directory`, kind: side === 'large' ? 'lg' : 'sm', users, groupMembers, poolStart: groupMembers });
    const seconds = (performance.now() - started) / 1000;
    const countersUsers = (await readCounters(stack.seedDocuments, stack.tableName, subject.ctx.directoryId, { consistent: true })).users;
    if (countersUsers !== users) problems.push(`the ${side} directory counts ${countersUsers} users, ${users} were seeded`);
    console.log(`  seeded the ${side} directory: ${users} users, ${groupMembers} in one group, in ${seconds.toFixed(0)} s`);
    // Per user: the user and its two claims; per member: the membership.
    const items = 3 * users + groupMembers;
    const loaded: DirectoryLoad = {
      users,
      groupMembers,
      seconds: Math.round(seconds * 10) / 10,
      itemsPerSecond: Math.round(items / seconds),
      countersUsers,
    };
    return { subject, loaded };
  };
  const large = await load('large', shape.largeUsers, shape.largeGroupMembers);
  const small = await load('small', shape.smallUsers, shape.smallGroupMembers);

  const largeSpecs = operationSpecs(large.subject, options.iterations).filter((spec) => !SKIPPED.has(spec.id));
  const smallSpecs = operationSpecs(small.subject, options.iterations).filter((spec) => !SKIPPED.has(spec.id));
  const measure = (subject: typeof large.subject, spec: OperationSpec, i: number): Promise<Sample> =>
    spec.build(i).then((request) => measureRequest(stack.meter, subject.client, request, spec.expectedStatus));
  const checks: ScaleCheck[] = [];
  for (const [index, largeSpec] of largeSpecs.entries()) {
    const smallSpec = smallSpecs[index] as OperationSpec;
    const largeSamples: Sample[] = [];
    const smallSamples: Sample[] = [];
    for (let i = 0; i < options.iterations + options.warmup; i++) {
      deadline.check(`scale: ${largeSpec.name}`);
      const a = await measure(large.subject, largeSpec, i);
      const b = await measure(small.subject, smallSpec, i);
      if (i >= options.warmup) {
        largeSamples.push(a);
        smallSamples.push(b);
      }
    }
    checks.push(compare(`${largeSpec.name}: ${largeSpec.request}`, largeSamples, smallSamples, true));
    console.log(`  measured ${largeSpec.name}`);
  }
  return { shape, dynamoDbHeapMb: options.dynamoDbHeapMb, loads: { large: large.loaded, small: small.loaded }, checks, problems };
}
