/**
 * How every Lambda handler is bundled, in one place.
 *
 * The CDK construct (`ScimFunction`) and the size check (`npm run build`) both derive their esbuild
 * settings from {@link HANDLER_BUNDLE}, so the bundle that is measured is the bundle that is deployed.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The package root (the folder holding `functions/` and `lib/`), wherever the package is installed. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The handlers, by the name the construct and the size report use. Each entry exports `handler`. */
export const HANDLER_ENTRIES = {
  users: 'functions/handlers/users.ts',
  groups: 'functions/handlers/groups.ts',
  discovery: 'functions/handlers/discovery.ts',
  scimFallback: 'functions/handlers/scim-fallback.ts',
  admin: 'functions/handlers/admin.ts',
  streamFanout: 'functions/handlers/stream-fanout.ts',
  directoryApi: 'functions/handlers/directory-api.ts',
  portal: 'functions/handlers/portal.ts',
  journalSweeper: 'functions/handlers/journal-sweeper.ts',
} as const;

export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** Handlers on the request path: their cold start is felt by the identity provider, so their size is capped. */
export const API_HANDLERS: readonly HandlerName[] = ['users', 'groups', 'discovery', 'scimFallback'];

/**
 * Upper bound for an API handler's minified bundle (the AWS SDK parts it uses included).
 *
 * Measured floor (docs/benchmarks.md): the bundled, tree-shaken SDK parts an API handler cannot do
 * without (DynamoDB and Secrets Manager clients, signing, HTTP, retries) come to about 215 KiB, and
 * Powertools Logger and middy to about 24 KiB more, before any of this project's code (about 105 KiB:
 * the SCIM core, filters with one case rule, signed cursors, and the one-write PATCH paths).
 * A 250 KiB budget is therefore out of reach while the SDK is bundled; 384 KiB keeps the handlers
 * within a few percent of what they weigh today (about 360 KiB), so any real growth fails the
 * bundling test.
 */
export const API_HANDLER_MAX_BYTES = 384 * 1024;

/**
 * `NODE_OPTIONS` of a handler's function. `--enable-source-maps` makes Node read and index the
 * bundle's source map while loading it, at every cold start, about a tenth of an API handler's
 * module initialisation (docs/benchmarks.md, cold start). The API handlers, whose cold start an
 * identity provider waits on, run without it and map the one stack they log when they log it
 * (`functions/shared/source-mapped-stack.ts`); the others keep Node's mapping of every stack.
 */
export function runtimeNodeOptions(handler: HandlerName): string[] {
  return API_HANDLERS.includes(handler) ? [] : ['--enable-source-maps'];
}

/** Absolute path of a handler's entry file. */
export function handlerEntryPath(name: HandlerName): string {
  return fileURLToPath(new URL(`../${HANDLER_ENTRIES[name]}`, import.meta.url));
}

/**
 * The house esbuild settings.
 *
 * - ESM output (`index.mjs`): the source is ESM and Node 22 loads it natively.
 * - The AWS SDK is bundled instead of taken from the runtime: esbuild keeps only the commands a
 *   handler imports, the version is the one the tests ran against, and cold starts read one file.
 * - `module` before `main` so that packages shipping both formats give esbuild the tree-shakable one.
 * - Some bundled CommonJS dependencies call `require` for Node built-ins; an ES module has no
 *   `require`, so the banner defines one.
 * - Source maps are written without the sources (smaller artefacts). Stack traces point at the
 *   TypeScript lines: through `--enable-source-maps` ({@link runtimeNodeOptions}) in most
 *   functions, and in the API functions through the map read when an error is logged.
 */
export const HANDLER_BUNDLE = {
  target: 'node22',
  format: 'esm',
  outputFile: 'index.mjs',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __houseCreateRequire } from 'node:module'; const require = __houseCreateRequire(import.meta.url);",
  externalModules: [] as string[],
  /**
   * Module replacements: Lambda's credentials are always in the environment, so the SDK's default
   * credential chain is swapped for an environment-only provider (see that module's comment).
   */
  alias: { '@aws-sdk/credential-provider-node': 'functions/adapters/aws/lambda-credentials.ts' },
} as const;

/** The aliases with absolute targets, so they resolve wherever the package is installed. */
function absoluteAliases(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(HANDLER_BUNDLE.alias).map(([name, target]) => [name, fileURLToPath(new URL(`../${target}`, import.meta.url))]),
  );
}

/** Folder, beside a handler's `index.mjs`, holding the Admin Portal's page assets. */
export const PORTAL_ASSETS_FOLDER = 'portal-assets';

/**
 * Commands run after esbuild for a handler that needs more than its bundle: the portal function
 * serves its page's script and stylesheet, built from `functions/portal/ui` by `ui-build.ts`
 * (with tsx, a dependency of this package) into the function's asset.
 */
export function afterBundlingCommands(handler: HandlerName, outputDir: string): string[] {
  if (handler !== 'portal') return [];
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const build = fileURLToPath(new URL('../functions/portal/ui-build.ts', import.meta.url));
  return [`node "${tsx}" "${build}" "${outputDir}/${PORTAL_ASSETS_FOLDER}"`];
}

/** The settings above in the shape `NodejsFunction` takes, for one handler. */
export function cdkBundlingOptions(handler: HandlerName): BundlingOptions {
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => afterBundlingCommands(handler, outputDir),
    },
    target: HANDLER_BUNDLE.target,
    format: OutputFormat.ESM,
    minify: HANDLER_BUNDLE.minify,
    sourceMap: HANDLER_BUNDLE.sourceMap,
    sourcesContent: HANDLER_BUNDLE.sourcesContent,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    banner: HANDLER_BUNDLE.banner,
    bundleAwsSDK: true,
    externalModules: [...HANDLER_BUNDLE.externalModules],
    esbuildArgs: Object.fromEntries(Object.entries(absoluteAliases()).map(([name, target]) => [`--alias:${name}`, target])),
  };
}

/**
 * The same settings for esbuild's JavaScript API: the options `NodejsFunction` turns into command-line
 * flags (`--bundle --platform=node --target --format --minify --sourcemap --sources-content=false
 * --main-fields --banner:js --alias`), spelled as an options object.
 */
export function esbuildBuildOptions(entryPoint: string, outputDirectory: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    bundle: true,
    platform: 'node',
    target: HANDLER_BUNDLE.target,
    format: HANDLER_BUNDLE.format,
    outfile: `${outputDirectory}/${HANDLER_BUNDLE.outputFile}`,
    minify: HANDLER_BUNDLE.minify,
    sourcemap: HANDLER_BUNDLE.sourceMap,
    sourcesContent: HANDLER_BUNDLE.sourcesContent,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    banner: { js: HANDLER_BUNDLE.banner },
    external: [...HANDLER_BUNDLE.externalModules],
    alias: absoluteAliases(),
  };
}
