/**
 * `npm run build`: bundles every Lambda handler exactly as the CDK construct does (same esbuild
 * settings, from lib/bundling.ts), reports the sizes, and fails when an API handler is over budget.
 *
 * Usage: `npm run build [-- --out <dir>] [-- --allow-missing]`
 * - `--out`: output folder (default `dist/handlers`); each handler gets `<out>/<name>/index.mjs`.
 * - `--allow-missing`: skip handlers whose entry file does not exist instead of failing.
 * Writes `<out>/sizes.json` with the report.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  API_HANDLERS,
  API_HANDLER_MAX_BYTES,
  HANDLER_BUNDLE,
  HANDLER_ENTRIES,
  PACKAGE_ROOT,
  PORTAL_ASSETS_FOLDER,
  esbuildBuildOptions,
  handlerEntryPath,
  type HandlerName,
} from '../lib/bundling.ts';
import { writePortalAssets } from '../functions/portal/ui-build.ts';

/** The outcome for one handler. */
export type BundleResult =
  | {
      handler: HandlerName;
      status: 'bundled';
      /** Bytes of the minified `index.mjs` (source map not counted: it is not loaded unless an error is mapped). */
      bytes: number;
      /** Byte limit, for API handlers only. */
      limit?: number;
      overLimit: boolean;
      /** Names the bundle exports (must include `handler`). */
      exports: string[];
      outputFile: string;
    }
  | { handler: HandlerName; status: 'missing'; entry: string };

/**
 * Bundles the given handlers (default: all) into `outputDirectory/<name>/`. Never throws for a
 * missing entry (it is reported as `missing`); esbuild errors propagate.
 */
export async function bundleHandlers(
  outputDirectory: string,
  handlers: readonly HandlerName[] = Object.keys(HANDLER_ENTRIES) as HandlerName[],
): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const handler of handlers) {
    const entry = handlerEntryPath(handler);
    if (!existsSync(entry)) {
      results.push({ handler, status: 'missing', entry: HANDLER_ENTRIES[handler] });
      continue;
    }
    const directory = join(outputDirectory, handler);
    await mkdir(directory, { recursive: true });
    // The construct runs esbuild from the package root; so does this, so that relative paths
    // in source maps come out the same.
    const outcome = await build({
      ...esbuildBuildOptions(entry, directory),
      absWorkingDir: PACKAGE_ROOT,
      metafile: true,
      logLevel: 'warning',
    });
    // What the construct's after-bundling hook adds (lib/bundling.ts): the portal's page assets.
    if (handler === 'portal') await writePortalAssets(join(directory, PORTAL_ASSETS_FOLDER));
    const outputFile = join(directory, HANDLER_BUNDLE.outputFile);
    const output = Object.entries(outcome.metafile.outputs).find(([path]) => resolve(PACKAGE_ROOT, path) === outputFile);
    if (output === undefined) throw new Error(`esbuild reported no output for ${handler} at ${outputFile}`);
    const [, meta] = output;
    const limit = API_HANDLERS.includes(handler) ? API_HANDLER_MAX_BYTES : undefined;
    results.push({
      handler,
      status: 'bundled',
      bytes: meta.bytes,
      ...(limit !== undefined ? { limit } : {}),
      overLimit: limit !== undefined && meta.bytes > limit,
      exports: meta.exports,
      outputFile,
    });
  }
  return results;
}

/** A human-readable table of the results. */
export function formatReport(results: readonly BundleResult[]): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  return results
    .map((result) => {
      const name = result.handler.padEnd(14);
      if (result.status === 'missing') return `${name} missing: ${result.entry} does not exist`;
      const budget = result.limit !== undefined ? ` / ${kib(result.limit)}${result.overLimit ? '  OVER LIMIT' : ''}` : '';
      return `${name} ${kib(result.bytes).padStart(10)}${budget}`;
    })
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(PACKAGE_ROOT, 'dist', 'handlers') },
      'allow-missing': { type: 'boolean', default: false },
    },
  });
  const outputDirectory = resolve(values.out);
  const results = await bundleHandlers(outputDirectory);
  await mkdir(outputDirectory, { recursive: true });
  await writeFile(join(outputDirectory, 'sizes.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(formatReport(results));

  const problems: string[] = [];
  for (const result of results) {
    if (result.status === 'missing' && !values['allow-missing']) problems.push(`${result.handler}: entry ${result.entry} is missing`);
    if (result.status === 'bundled' && result.overLimit) {
      problems.push(`${result.handler}: ${result.bytes} bytes exceeds the ${result.limit} byte limit of API handlers`);
    }
    if (result.status === 'bundled' && !result.exports.includes('handler')) {
      problems.push(`${result.handler}: the bundle does not export "handler"`);
    }
  }
  if (problems.length > 0) {
    console.error(`\nbuild failed:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
