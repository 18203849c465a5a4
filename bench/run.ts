/**
 * `npm run bench`: what each SCIM operation costs in DynamoDB round trips and capacity units,
 * how long it takes through the whole local stack, whether cost stays flat as groups and
 * directories grow, how big the Lambda bundles are, and what a million requests cost.
 *
 * Usage: `npm run bench [-- --iterations 20] [-- --warmup 2] [-- --budget 300] [-- --out .bench/results.json]
 *         [-- --group-members 5000] [-- --paging-users 3000] [-- --skip-bundles] [-- --only cycle,operations]
 *         [-- --cold-start-rounds 15]`
 *        `npm run bench -- --scale [-- --budget 900] [-- --dynamodb-heap-mb 2048]`: the 100,000-user
 *        directory (scale-directory.ts), not part of the default run.
 *
 * Latency on a small shared machine is noisy: it is reported as medians, p95 and ratios within
 * one run, never judged against a threshold. The run fails (exit code 1) only on facts that do
 * not depend on speed: DynamoDB Local reporting capacity against DynamoDB's rules, an operation
 * answering an unexpected status, or a cost that grows with a group's or a directory's size.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { measureBundles, type BundleSize } from './bundles.ts';
import { checkCapacityRules } from './calibration.ts';
import { costOfMix, LAMBDA_ASSUMPTIONS, MIXES, PRICING } from './cost.ts';
import { measureColdStarts, type ColdStartResults } from './cold-start.ts';
import { measureEntraCycle, type EntraCycleResult } from './entra-cycle.ts';
import { measureDirectoryScale, type DirectoryScaleResults } from './scale-directory.ts';
import { measureOperations } from './operations.ts';
import { bundlesTable, calibrationTable, coldStartTable, costTable, directoryScaleTable, entraCycleTable, operationsTable, scaleTable } from './report.ts';
import { measureScale, type ScaleResults } from './scale.ts';
import { startBenchStack, type BenchStack } from './stack.ts';
import { Deadline } from './stats.ts';

/** Extra time after the budget before the watchdog ends a run that stopped checking it. */
const WATCHDOG_GRACE_MS = 30_000;

/** The sections of a default run, in the order they run; `--only` picks some of them. */
const SECTIONS = ['bundles', 'cold-start', 'operations', 'cycle', 'scale-checks'] as const;
/** Budget of a default run: bundling, cold starts, operations, the Entra ID cycle and the scale checks. */
const DEFAULT_BUDGET_SECONDS = 300;
/** Budget of a `--scale` run when none is given: seeding 100,000 users takes minutes. */
const SCALE_BUDGET_SECONDS = 900;
type Section = (typeof SECTIONS)[number];

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const optionsSchema = z.object({
  iterations: positiveInt(500),
  warmup: z.coerce.number().int().min(0).max(50),
  budget: positiveInt(3600).optional(),
  out: z.string().min(1),
  'group-members': positiveInt(100_000),
  'paging-users': z.coerce.number().int().min(2101).max(100_000),
  'skip-bundles': z.boolean(),
  scale: z.boolean(),
  'dynamodb-heap-mb': z.coerce.number().int().min(256).max(16_384),
  'cold-start-rounds': positiveInt(200),
  only: z
    .string()
    .optional()
    .transform((list) => (list === undefined ? [...SECTIONS] : list.split(',').map((name) => name.trim())))
    .pipe(z.array(z.enum(SECTIONS)).min(1)),
});

function readOptions() {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      budget: { type: 'string' },
      out: { type: 'string', default: '.bench/results.json' },
      'group-members': { type: 'string', default: '5000' },
      'paging-users': { type: 'string', default: '3000' },
      'skip-bundles': { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      'dynamodb-heap-mb': { type: 'string', default: '2048' },
      'cold-start-rounds': { type: 'string', default: '15' },
      only: { type: 'string' },
    },
  });
  return optionsSchema.parse(values);
}

function section(title: string, body: string): void {
  console.log(`\n== ${title} ==\n${body}`);
}

/** What makes the Entra ID cycle fail the run: wrong statuses, unmetered requests, counts that are not exact. */
function entraCycleProblems(cycle: EntraCycleResult): string[] {
  return [
    ...cycle.failures.map((failure) => `Entra ID cycle: ${failure}`),
    ...(cycle.unreported > 0 ? [`Entra ID cycle: ${cycle.unreported} DynamoDB requests reported no consumed capacity`] : []),
    ...(cycle.counts.exact ? [] : [`Entra ID cycle: stored counts ${JSON.stringify(cycle.counts.found)}, expected ${JSON.stringify(cycle.counts.expected)}`]),
  ];
}

async function main(): Promise<number> {
  const options = readOptions();
  const budget = options.budget ?? (options.scale ? SCALE_BUDGET_SECONDS : DEFAULT_BUDGET_SECONDS);
  const wanted = (name: Section) => !options.scale && options.only.includes(name) && !(name === 'bundles' && options['skip-bundles']);
  const started = Date.now();
  const deadline = new Deadline(budget * 1000);
  const watchdog = setTimeout(() => {
    console.error(`bench: still running ${WATCHDOG_GRACE_MS / 1000} s past its budget; stopping`);
    process.exit(2);
  }, budget * 1000 + WATCHDOG_GRACE_MS);
  watchdog.unref();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
  console.log(`scim-directory-sync bench: ${options.iterations} iterations (+${options.warmup} warm-up), ${machine.cpus} CPUs, load ${machine.loadAverageAtStart.join(' ')}`);

  // Bundling first, before DynamoDB Local competes for the CPU.
  let bundles: BundleSize[] = [];
  if (wanted('bundles')) {
    bundles = await measureBundles(deadline);
    section('Lambda bundles (minified, AWS SDK bundled)', bundlesTable(bundles));
  }
  let coldStart: ColdStartResults | undefined;
  if (wanted('cold-start')) {
    coldStart = await measureColdStarts({ rounds: options['cold-start-rounds'], deadline });
    section('Cold start: module initialisation of each bundle against an empty handler', coldStartTable(coldStart));
  }

  let stack: BenchStack | undefined;
  try {
    // In memory, DynamoDB Local keeps the table in its JVM heap: a set heap bounds a scale run's memory.
    stack = await startBenchStack(options.scale ? { dynamoDbHeapMb: options['dynamodb-heap-mb'] } : {});
    const calibration = await checkCapacityRules(stack.dynamodbEndpoint);
    section('Capacity accounting: the bench against the DynamoDB billing rules', calibrationTable(calibration));

    const operations = wanted('operations') ? await measureOperations(stack, { iterations: options.iterations, warmup: options.warmup, deadline }) : [];
    if (wanted('operations')) {
      section('SCIM operations (per request; WCU of transactions from item sizes, (Local) = as DynamoDB Local reports them)', operationsTable(operations));
    }

    let entraCycle: EntraCycleResult | undefined;
    if (wanted('cycle')) {
      entraCycle = await measureEntraCycle(stack, deadline);
      section('Entra ID initial cycle (500 users, 25 groups, 1,000 single-member adds, 75 user updates; 4 at a time)', entraCycleTable(entraCycle));
    }

    let directoryScale: DirectoryScaleResults | undefined;
    if (options.scale) {
      directoryScale = await measureDirectoryScale(stack, { iterations: options.iterations, warmup: options.warmup, deadline, dynamoDbHeapMb: options['dynamodb-heap-mb'] });
      section('Directory scale: every operation at 100,000 users against 1,000 (L = large, S = small)', directoryScaleTable(directoryScale));
    }

    let scale: ScaleResults | undefined;
    if (wanted('scale-checks')) {
      scale = await measureScale(stack, {
        iterations: options.iterations,
        warmup: options.warmup,
        deadline,
        groupMembers: options['group-members'],
        pagingUsers: options['paging-users'],
      });
      section('Scale checks (L = large, S = small; latency ratio = median L / median S)', scaleTable(scale));
    }

    const costs = wanted('operations') ? MIXES.map((mix) => costOfMix(mix, operations)) : [];
    if (wanted('operations')) {
      section(
        `Cost per million SCIM requests (${PRICING.region}; Lambda ${LAMBDA_ASSUMPTIONS.architecture} ${LAMBDA_ASSUMPTIONS.memoryGb * 1024} MB at an assumed ${LAMBDA_ASSUMPTIONS.averageDurationMs} ms)`,
        `${costTable(costs)}\n  (upper): if every BatchGetItem key that finds no item is billed 1 RRU.\n${MIXES.map((mix) => `  ${mix.name}: ${mix.description}`).join('\n')}`,
      );
    }

    const problems = [
      ...calibration.filter((check) => !check.ok).map((check) => `the bench counts ${check.measured} units, not ${check.expected}: ${check.rule}`),
      ...operations.filter((operation) => operation.unreported > 0).map((operation) => `${operation.name}: ${operation.unreported} requests reported no consumed capacity`),
      ...(scale?.checks ?? []).filter((check) => check.enforced && !check.equalCost).map((check) => `cost grows with size: ${check.name}`),
      ...(entraCycle === undefined ? [] : entraCycleProblems(entraCycle)),
      ...(directoryScale?.problems ?? []),
      ...(directoryScale?.checks ?? []).filter((check) => !check.equalCost).map((check) => `cost grows with the directory: ${check.name}`),
    ];
    const durationMs = Date.now() - started;
    const results = {
      generatedAt: new Date().toISOString(),
      durationMs,
      machine: {
        ...machine,
        loadAverageAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
        // The bench's own peak memory; DynamoDB Local's is bounded by its heap (--dynamodb-heap-mb with --scale).
        benchMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      settings: { iterations: options.iterations, warmup: options.warmup, budgetSeconds: budget, sections: options.scale ? ['scale'] : SECTIONS.filter(wanted) },
      note: 'Latency is measured on DynamoDB Local through a loopback HTTP server: it is not AWS latency. Compare ratios within one run.',
      calibration,
      operations,
      entraCycle,
      scale,
      directoryScale,
      bundles,
      coldStart,
      pricing: PRICING,
      lambdaAssumptions: LAMBDA_ASSUMPTIONS,
      mixes: MIXES,
      costs,
      problems,
    };
    const out = resolve(options.out);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nWrote ${out} in ${(durationMs / 1000).toFixed(0)} s.`);
    if (problems.length > 0) {
      console.error(`\nbench found problems:\n  ${problems.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await stack?.stop();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
