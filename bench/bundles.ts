/**
 * Lambda bundle sizes: the API handlers bundled by the project's own `bundleHandlers` (the
 * settings the CDK construct deploys with), and what each bundle is made of, from esbuild's
 * metafile, so that a size can be traced to the packages that make it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { API_HANDLERS, PACKAGE_ROOT, esbuildBuildOptions, handlerEntryPath, type HandlerName } from '../lib/bundling.ts';
import { bundleHandlers } from '../scripts/bundle.ts';
import type { Deadline } from './stats.ts';

/** The budget the bench reports against: 250 KB (KiB) per API handler. */
export const BUNDLE_BUDGET_BYTES = 250 * 1024;

/** Where the bytes of a bundle come from. */
export type BundlePart = 'aws-sdk' | 'powertools+middy' | 'zod' | 'project' | 'other';

export interface BundleSize {
  handler: HandlerName;
  /** Minified `index.mjs` bytes (the source map is not loaded at run time and not counted). */
  bytes: number;
  budgetBytes: number;
  /** The project's own limit from lib/bundling.ts, when it sets one. */
  projectLimitBytes?: number;
  /** Bytes of the output by origin. */
  parts: Record<BundlePart, number>;
}

function partOf(input: string): BundlePart {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return input.startsWith('functions/') || input.includes('/functions/') ? 'project' : 'other';
  const name = input.slice(at + 'node_modules/'.length);
  if (/^(@aws-sdk|@smithy|@aws-crypto|@aws\/)/.test(name)) return 'aws-sdk';
  if (/^(@aws-lambda-powertools|@middy)\//.test(name)) return 'powertools+middy';
  if (/^zod\//.test(name)) return 'zod';
  return 'other';
}

/** Splits one handler's bundle by origin, building it again in memory with a metafile. */
async function composition(handler: HandlerName, outputDirectory: string): Promise<Record<BundlePart, number>> {
  const outcome = await build({ ...esbuildBuildOptions(handlerEntryPath(handler), outputDirectory), absWorkingDir: PACKAGE_ROOT, write: false, metafile: true, logLevel: 'silent' });
  const parts: Record<BundlePart, number> = { 'aws-sdk': 0, 'powertools+middy': 0, zod: 0, project: 0, other: 0 };
  for (const [file, output] of Object.entries(outcome.metafile.outputs)) {
    if (!file.endsWith('.mjs')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) parts[partOf(input)] += bytesInOutput;
  }
  return parts;
}

/** Bundles the API handlers into a temporary folder and returns their sizes. */
export async function measureBundles(deadline: Deadline): Promise<BundleSize[]> {
  const directory = await mkdtemp(join(tmpdir(), 'scim-bench-bundles-'));
  try {
    deadline.check('bundling');
    const results = await bundleHandlers(directory, API_HANDLERS);
    const sizes: BundleSize[] = [];
    for (const result of results) {
      deadline.check('bundling');
      if (result.status !== 'bundled') throw new Error(`handler ${result.handler} has no entry file (${result.entry})`);
      sizes.push({
        handler: result.handler,
        bytes: result.bytes,
        budgetBytes: BUNDLE_BUDGET_BYTES,
        ...(result.limit === undefined ? {} : { projectLimitBytes: result.limit }),
        parts: await composition(result.handler, join(directory, `${result.handler}-composition`)),
      });
    }
    return sizes;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
