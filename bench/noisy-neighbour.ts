/**
 * `npm run load -- --noisy-neighbour`: how much one directory at its limit, with a flood of
 * requests carrying made-up tokens, slows another directory's provisioning on the local stack, and
 * what the flood costs in DynamoDB requests and token secret reads.
 *
 * In AWS the per-directory and per-client limits are WAF rate rules in front of API Gateway
 * (lib/web-acl.ts), and every request runs in a Lambda of its own. Locally there is no WAF and one
 * Node.js process serves every directory, so this run shows the worst case of sharing: the same
 * CPU, the same DynamoDB Local. It measures, in one run on the same stack:
 *
 * 1. directory B alone: sequential user lookups (latency), then a small Entra ID cycle (throughput);
 * 2. the same with directory A saturated (lookups and creates, `--noise` clients at once) and a
 *    flood of well-formed random tokens sent to A and to made-up directory ids, all at once;
 * 3. the flood alone, a fixed number of requests, with DynamoDB requests and secret reads counted.
 *
 * Latency on a shared machine is noisy: the figures are ratios within the run, never judged
 * against a threshold. Loopback only; every loop is bounded by a count and by `--budget`.
 *
 * Usage: `npm run load -- --noisy-neighbour [--noise 16] [--flood-requests 2000] [--budget 240] [--out .bench/noisy-neighbour.json]`
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { generateDirectoryId, generateToken } from '../functions/auth/token-format.ts';
import { CapacityMeter } from './capacity-meter.ts';
import { measureEntraCycle, type EntraCycleShape } from './entra-cycle.ts';
import { entraUser, seedTag } from './fixtures.ts';
import { BenchScimClient } from './scim-client.ts';
import { startBenchStack, type BenchStack } from './stack.ts';
import { Deadline, ratio, summarizeLatency, type LatencySummary } from './stats.ts';

/** Directory B's cycle: small, with Entra ID's four requests at a time. */
const B_CYCLE: EntraCycleShape = { users: 120, groups: 6, memberAdds: 160, userUpdates: 24, disableEvery: 5, concurrency: 4 };
/** Sequential user lookups in B, for its latency. */
const B_PROBES = 60;
/** Made-up directory ids the flood returns to (each is remembered as unknown once read). */
const UNKNOWN_DIRECTORIES = 200;
/** Extra time after the budget before the watchdog ends a run that stopped checking it. */
const WATCHDOG_GRACE_MS = 30_000;

const optionsSchema = z.object({
  'noisy-neighbour': z.literal(true, { message: 'name the scenario: npm run load -- --noisy-neighbour' }),
  noise: z.coerce.number().int().min(1).max(64),
  'flood-requests': z.coerce.number().int().min(100).max(20_000),
  budget: z.coerce.number().int().min(30).max(1800),
  out: z.string().min(1),
});

function readOptions() {
  const { values } = parseArgs({
    options: {
      'noisy-neighbour': { type: 'boolean', default: false },
      noise: { type: 'string', default: '16' },
      'flood-requests': { type: 'string', default: '2000' },
      budget: { type: 'string', default: '240' },
      out: { type: 'string', default: '.bench/noisy-neighbour.json' },
    },
  });
  return optionsSchema.parse(values);
}

/** Status counts of a set of requests, e.g. `{ "201": 40, "401": 900 }`. */
type StatusCounts = Record<string, number>;

function countStatus(counts: StatusCounts, status: number): void {
  counts[String(status)] = (counts[String(status)] ?? 0) + 1;
}

/** What directory B saw in one phase. */
interface BPhase {
  lookups: LatencySummary;
  cycle: { scimRequests: number; durationMs: number; scimRequestsPerSecond: number; exact: boolean; failures: number };
}

/** A client of the flood: a well-formed random token, sent to `tenantUrl`. */
function floodClient(baseUrl: string, directoryId: string): BenchScimClient {
  return new BenchScimClient(`${baseUrl}/${directoryId}`, generateToken());
}

async function measureB(stack: BenchStack, deadline: Deadline): Promise<BPhase> {
  const probeDirectory = await stack.createDirectory('noisy neighbour probe');
  const probe = new BenchScimClient(probeDirectory.tenantUrl, probeDirectory.token);
  const samples: number[] = [];
  for (let i = 0; i < B_PROBES; i++) {
    deadline.check('directory B lookups');
    const reply = await probe.send('GET', `/Users?filter=${encodeURIComponent(`userName eq "nobody-${i}@contoso.example"`)}`);
    if (reply.status !== 200) throw new Error(`B lookup answered ${reply.status}`);
    samples.push(reply.elapsedMs);
  }
  const cycle = await measureEntraCycle(stack, deadline, B_CYCLE);
  return {
    lookups: summarizeLatency(samples),
    cycle: {
      scimRequests: cycle.scimRequests,
      durationMs: Math.round(cycle.durationMs),
      scimRequestsPerSecond: cycle.scimRequestsPerSecond,
      exact: cycle.counts.exact,
      failures: cycle.failures.length,
    },
  };
}

/**
 * Directory A at its limit and the flood, `width` clients each, until `stop()` (or the budget).
 * Answers the requests sent, by source and status.
 */
function startNoise(stack: BenchStack, a: { tenantUrl: string; token: string }, width: number, deadline: Deadline) {
  let running = true;
  const counts = { a: {} as StatusCounts, flood: {} as StatusCounts };
  const unknown = Array.from({ length: UNKNOWN_DIRECTORIES }, () => generateDirectoryId());
  const aClient = new BenchScimClient(a.tenantUrl, a.token);
  const aDirectoryId = new URL(a.tenantUrl).pathname.split('/').at(-1) as string;
  let created = 0;
  const worker = async (send: (i: number) => Promise<number>, into: StatusCounts) => {
    for (let i = 0; running && deadline.remainingMs() > 0; i++) {
      try {
        countStatus(into, await send(i));
      } catch {
        countStatus(into, 0);
      }
    }
  };
  const aWork = (i: number) =>
    i % 2 === 0
      ? aClient.send('GET', `/Users?filter=${encodeURIComponent(`userName eq "a-${i}@contoso.example"`)}`).then((reply) => reply.status)
      : aClient.send('POST', '/Users', entraUser(seedTag('noisy-a', created++))).then((reply) => reply.status);
  // Half the flood at A with made-up tokens, half at made-up directories.
  const floodWork = (i: number) => floodClient(stack.baseUrl, i % 2 === 0 ? aDirectoryId : (unknown[i % UNKNOWN_DIRECTORIES] as string)).send('GET', '/Users?count=1').then((reply) => reply.status);
  const workers = [
    ...Array.from({ length: width }, () => worker(aWork, counts.a)),
    ...Array.from({ length: width }, () => worker(floodWork, counts.flood)),
  ];
  return {
    counts,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** The flood alone: `requests` made-up-token requests, `width` at a time; what they cost. */
async function measureFloodCost(stack: BenchStack, aDirectoryId: string, requests: number, width: number, deadline: Deadline) {
  const costOf = async (pickDirectory: (i: number) => string) => {
    const statuses: StatusCounts = {};
    stack.meter.take();
    const readsBefore = stack.secretReads();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < requests) {
          deadline.check('flood cost');
          const i = next++;
          countStatus(statuses, (await floodClient(stack.baseUrl, pickDirectory(i)).send('GET', '/Users?count=1')).status);
        }
      }),
    );
    const durationMs = performance.now() - started;
    const dynamoDb = CapacityMeter.totals(stack.meter.take());
    return {
      requests,
      statuses,
      requestsPerSecond: Math.round((requests / durationMs) * 1000),
      dynamoDbRequests: dynamoDb.roundTrips,
      secretReads: stack.secretReads() - readsBefore,
    };
  };
  const unknown = Array.from({ length: UNKNOWN_DIRECTORIES }, () => generateDirectoryId());
  return {
    atKnownDirectory: await costOf(() => aDirectoryId),
    atRepeatedUnknownDirectories: await costOf((i) => unknown[i % UNKNOWN_DIRECTORIES] as string),
    atFreshUnknownDirectories: await costOf(() => generateDirectoryId()),
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  const deadline = new Deadline(options.budget * 1000);
  const watchdog = setTimeout(() => {
    process.stderr.write(`noisy neighbour: still running ${WATCHDOG_GRACE_MS / 1000} s after its budget; stopping\n`);
    process.exit(1);
  }, options.budget * 1000 + WATCHDOG_GRACE_MS);
  watchdog.unref();
  const stack = await startBenchStack();
  try {
    const a = await stack.createDirectory('noisy neighbour A');
    process.stderr.write('directory B alone…\n');
    const alone = await measureB(stack, deadline);
    process.stderr.write(`directory B with A at its limit and a flood (${options.noise} + ${options.noise} clients)…\n`);
    const noise = startNoise(stack, a, options.noise, deadline);
    const started = performance.now();
    let noisy: BPhase;
    try {
      noisy = await measureB(stack, deadline);
    } finally {
      await noise.stop();
    }
    const noisySeconds = (performance.now() - started) / 1000;
    process.stderr.write('the flood alone…\n');
    const flood = await measureFloodCost(stack, a.directoryId, options['flood-requests'], options.noise, deadline);

    const sum = (counts: StatusCounts) => Object.values(counts).reduce((total, n) => total + n, 0);
    const results = {
      machine: { cpus: cpus().length, loadAverage: loadavg().map((value) => Math.round(value * 100) / 100) },
      shape: { bCycle: B_CYCLE, bLookups: B_PROBES, noiseClients: options.noise, floodClients: options.noise, unknownDirectories: UNKNOWN_DIRECTORIES },
      alone,
      noisy,
      noise: {
        seconds: Math.round(noisySeconds),
        directoryA: { requests: sum(noise.counts.a), requestsPerSecond: Math.round(sum(noise.counts.a) / noisySeconds), statuses: noise.counts.a },
        flood: { requests: sum(noise.counts.flood), requestsPerSecond: Math.round(sum(noise.counts.flood) / noisySeconds), statuses: noise.counts.flood },
      },
      ratios: {
        bLookupMedian: ratio(noisy.lookups.medianMs, alone.lookups.medianMs),
        bLookupP95: ratio(noisy.lookups.p95Ms, alone.lookups.p95Ms),
        bCycleThroughput: ratio(noisy.cycle.scimRequestsPerSecond, alone.cycle.scimRequestsPerSecond),
      },
      flood,
    };
    const out = resolve(options.out);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    const broken = !alone.cycle.exact || !noisy.cycle.exact || alone.cycle.failures > 0 || noisy.cycle.failures > 0;
    if (broken) {
      process.stderr.write('directory B\'s cycle did not store exactly what it sent, or got unexpected statuses\n');
      process.exitCode = 1;
    }
  } finally {
    await stack.stop();
    clearTimeout(watchdog);
  }
}

await main();
