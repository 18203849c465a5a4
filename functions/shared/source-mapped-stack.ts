/**
 * Stack traces mapped back to the TypeScript sources when they are logged, instead of at start-up.
 *
 * Node's `--enable-source-maps` reads and indexes a bundle's source map while it loads the bundle,
 * on every cold start, for stack traces that only an unexpected error ever prints: about a tenth
 * of an API handler's module initialisation (docs/benchmarks.md, cold start). The API functions
 * run without it, and the one place they log a stack maps it here: the map is read the first time
 * an error is logged, and only then.
 *
 * Node's own modules are reached through `process.getBuiltinModule` inside the function, so that
 * importing this module loads nothing at start-up either.
 */

/** What `SourceMap.findEntry` answers for a position it knows (Node's `module.SourceMap`). */
interface SourceMapEntry {
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
}

interface SourceMapLike {
  findEntry(line: number, column: number): SourceMapEntry;
}

/** Maps of the files seen so far; `null` for a file without a readable map (asked once). */
const maps = new Map<string, SourceMapLike | null>();

/** A JavaScript frame position in a stack line: `(file:///var/task/index.mjs:1:2345)` or `at /x/y.js:1:2`. */
const FRAME_POSITION = /((?:file:\/\/)?\/[^\s():]+\.m?js):(\d+):(\d+)/g;

function sourceMapOf(file: string): SourceMapLike | null {
  let map = maps.get(file);
  if (map !== undefined) return map;
  map = null;
  try {
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const { fileURLToPath } = process.getBuiltinModule('node:url');
    const { SourceMap } = process.getBuiltinModule('node:module');
    const path = file.startsWith('file://') ? fileURLToPath(file) : file;
    map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    // No map beside the file (Node's own modules, a test run on the sources): the frame stays as it is.
  }
  maps.set(file, map);
  return map;
}

/**
 * The stack with each position in a bundled file replaced by the TypeScript file, line and column
 * its source map names; positions without a map are left as they are.
 *
 * @example
 * logger.error('unhandled error', { error: { name: error.name, message: error.message, stack: sourceMappedStack(error.stack) } });
 */
export function sourceMappedStack(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  return stack.replace(FRAME_POSITION, (position: string, file: string, line: string, column: string) => {
    const entry = sourceMapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (entry?.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return position;
    // esbuild names sources relative to the map; the path from the package root is what a reader needs.
    return `${entry.originalSource.replace(/^(?:\.\.\/)+/, '')}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
