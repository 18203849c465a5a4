/**
 * Cold start: how long each handler bundle takes to initialise (load, compile and run its top
 * level) against an empty handler bundled the same way, measured in the same run.
 *
 * Every handler is bundled by the project's own `bundleHandlers` (the settings the CDK construct
 * deploys with); the empty handler by the same esbuild options. Each sample starts a fresh Node
 * process, with the `NODE_OPTIONS` its function runs with (`runtimeNodeOptions`: the API handlers
 * without `--enable-source-maps`, the others with it; the baselines without), that imports one
 * bundle and exits. Two times are taken: the whole process, from spawn to exit (what Lambda's Init phase
 * also spans: the runtime starts, then the handler module loads), and the `import()` alone, timed
 * inside the process. Samples alternate between the bundles round by round (the order rotating),
 * so that load on the machine hits all of them alike; a handler's figure is the median of its
 * per-round ratios to the empty handler of the same round.
 *
 * The processes get a Lambda-like environment with placeholder values: module initialisation
 * reads variables and builds clients but sends nothing, so nothing leaves the machine.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { API_HANDLERS, HANDLER_BUNDLE, HANDLER_ENTRIES, PACKAGE_ROOT, esbuildBuildOptions, runtimeNodeOptions, type HandlerName } from '../lib/bundling.ts';
import { bundleHandlers } from '../scripts/bundle.ts';
import { median, type Deadline } from './stats.ts';

const run = promisify(execFile);

/** The target: an API handler's process initialises within this many times the empty handler's. */
export const COLD_START_TARGET_RATIO = 2;

/** Placeholder environment, shaped like what the construct and Lambda set. */
const LAMBDA_ENVIRONMENT: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHPLACEHOLDER',
  AWS_SECRET_ACCESS_KEY: 'bench-placeholder',
  AWS_SESSION_TOKEN: 'bench-placeholder',
  AWS_LAMBDA_FUNCTION_NAME: 'bench-function',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  TABLE_NAME: 'bench-table',
  SCIM_BASE_URL: 'https://bench.invalid/scim/v2',
  EVENT_BUS_NAME: 'bench-bus',
  PORTAL_BASE_URL: 'https://bench.invalid/portal',
  ADMIN_FUNCTION_NAME: 'bench-admin',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

/**
 * Imports the bundle named by argv[1] and prints, in milliseconds: the import's wall-clock time, its
 * CPU time, and the CPU time of the whole process so far (Node's own start-up included). CPU time
 * does not count the time a busy machine keeps the process waiting, so its ratios are the steadier.
 */
const IMPORT_TIMER = [
  'const t = performance.now(); const c = process.cpuUsage();',
  'await import(process.argv[1]);',
  'const d = process.cpuUsage(c); const r = process.resourceUsage();',
  'process.stdout.write(JSON.stringify([performance.now() - t, (d.user + d.system) / 1000, (r.userCPUTime + r.systemCPUTime) / 1000]));',
].join(' ');

/** The baselines: a handler importing nothing, and one importing only the SDK clients (see their files). */
const BASELINES = { empty: 'bench/empty-handler.ts', sdk: 'bench/sdk-floor-handler.ts' } as const;
type Baseline = keyof typeof BASELINES;

/** The node options a bundle runs with: its function's (lib/bundling.ts), none for the baselines. */
function nodeOptionsOf(subject: HandlerName | Baseline): string[] {
  return subject in BASELINES ? [] : runtimeNodeOptions(subject as HandlerName);
}

export interface ColdStartResult {
  handler: HandlerName | Baseline;
  /** The node options it ran with. */
  nodeOptions: string[];
  /** Median milliseconds of a process that imports the bundle, from spawn to exit (noisy; compare the ratios). */
  processMedianMs: number;
  /** Median over the rounds of this bundle's process time over the empty handler's in the same round. */
  processRatio: number;
  /** Median milliseconds of the `import()` alone. */
  importMedianMs: number;
  /** Median over the rounds of this bundle's import time over the empty handler's. */
  importRatio: number;
  /** Median CPU milliseconds of the process up to the end of the import. */
  processCpuMs: number;
  /** Median over the rounds of this bundle's process CPU time over the empty handler's. */
  processCpuRatio: number;
  bytes: number;
  /** API handlers are held to the target; the others are reported. */
  api: boolean;
}

export interface ColdStartResults {
  node: string;
  rounds: number;
  targetRatio: number;
  results: ColdStartResult[];
}

interface Timing {
  processMs: number;
  importMs: number;
  processCpuMs: number;
}

async function sample(bundle: string, nodeOptions: readonly string[]): Promise<Timing> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, [...nodeOptions, '--input-type=module', '-e', IMPORT_TIMER, pathToFileURL(bundle).href], {
    env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENVIRONMENT },
    timeout: 30_000,
  });
  const processMs = performance.now() - started;
  const [importMs, , processCpuMs] = JSON.parse(stdout) as number[];
  if (!Number.isFinite(importMs) || !Number.isFinite(processCpuMs)) throw new Error(`cold start: no timing from ${bundle}: ${stdout}`);
  return { processMs, importMs: importMs as number, processCpuMs: processCpuMs as number };
}

/** Bundles every handler and the empty one, then samples their initialisation `rounds` times each. */
export async function measureColdStarts(options: { rounds: number; deadline: Deadline; handlers?: readonly HandlerName[] }): Promise<ColdStartResults> {
  const directory = await mkdtemp(join(tmpdir(), 'scim-bench-cold-'));
  try {
    options.deadline.check('cold start: bundling');
    const handlers = options.handlers ?? (Object.keys(HANDLER_ENTRIES) as HandlerName[]);
    const bundled = await bundleHandlers(directory, handlers);
    const baselines = [];
    for (const [name, entry] of Object.entries(BASELINES) as Array<[Baseline, string]>) {
      const outcome = await build({ ...esbuildBuildOptions(join(PACKAGE_ROOT, entry), join(directory, name)), absWorkingDir: PACKAGE_ROOT, metafile: true, logLevel: 'warning' });
      const bytes = Object.entries(outcome.metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1].bytes ?? 0;
      baselines.push({ handler: name, file: join(directory, name, HANDLER_BUNDLE.outputFile), bytes });
    }
    const subjects: Array<{ handler: HandlerName | Baseline; file: string; bytes: number }> = [
      ...baselines,
      ...bundled.flatMap((result) => (result.status === 'bundled' ? [{ handler: result.handler, file: result.outputFile, bytes: result.bytes }] : [])),
    ];
    const timings = new Map<string, Timing[]>(subjects.map((subject) => [subject.handler, []]));
    const ratios = new Map<string, Timing[]>(subjects.map((subject) => [subject.handler, []]));
    // One import of each first, unrecorded: the file system cache is then warm for every bundle alike.
    for (const subject of subjects) await sample(subject.file, nodeOptionsOf(subject.handler));
    for (let round = 0; round < options.rounds; round++) {
      options.deadline.check('cold start sampling');
      const times = new Map<string, Timing>();
      for (let k = 0; k < subjects.length; k++) {
        const subject = subjects[(round + k) % subjects.length] as (typeof subjects)[number];
        times.set(subject.handler, await sample(subject.file, nodeOptionsOf(subject.handler)));
      }
      const empty = times.get('empty') as Timing;
      for (const [handler, timing] of times) {
        timings.get(handler)?.push(timing);
        ratios.get(handler)?.push({
          processMs: timing.processMs / empty.processMs,
          importMs: timing.importMs / empty.importMs,
          processCpuMs: timing.processCpuMs / empty.processCpuMs,
        });
      }
    }
    const round2 = (value: number) => Math.round(value * 100) / 100;
    const medianOf = (values: Timing[] | undefined, pick: (timing: Timing) => number) => round2(median((values ?? []).map(pick)));
    return {
      node: process.version,
      rounds: options.rounds,
      targetRatio: COLD_START_TARGET_RATIO,
      results: subjects.map((subject) => ({
        handler: subject.handler,
        nodeOptions: nodeOptionsOf(subject.handler),
        processMedianMs: medianOf(timings.get(subject.handler), (timing) => timing.processMs),
        processRatio: medianOf(ratios.get(subject.handler), (timing) => timing.processMs),
        importMedianMs: medianOf(timings.get(subject.handler), (timing) => timing.importMs),
        importRatio: medianOf(ratios.get(subject.handler), (timing) => timing.importMs),
        processCpuMs: medianOf(timings.get(subject.handler), (timing) => timing.processCpuMs),
        processCpuRatio: medianOf(ratios.get(subject.handler), (timing) => timing.processCpuMs),
        bytes: subject.bytes,
        api: (API_HANDLERS as readonly string[]).includes(subject.handler),
      })),
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
