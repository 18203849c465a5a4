/**
 * Builds the Admin Portal's page assets from `functions/portal/ui/` with the project's esbuild:
 * one minified ES module (Preact and the views) and one stylesheet. The local runtime builds them
 * in memory at start; the CDK bundling of the portal function writes them next to its handler.
 *
 * Run directly (`tsx functions/portal/ui-build.ts <folder>`) it writes `portal.js` and
 * `portal.css` into the folder and fails when the script is over its budget.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { PortalAssets } from './portal-http.ts';

/**
 * Most bytes of the page's minified script. Preact is about 11 KiB of it; the views, the setup
 * steps of five providers and the activity explanations the rest. Growth past this fails the build.
 */
export const PORTAL_SCRIPT_MAX_BYTES = 64 * 1024;

const UI_FOLDER = fileURLToPath(new URL('./ui/', import.meta.url));

/** The page's files by name, as served under `<portal>/assets/`. */
export async function buildPortalAssets(): Promise<PortalAssets> {
  const result = await build({
    entryPoints: [join(UI_FOLDER, 'main.tsx'), join(UI_FOLDER, 'portal.css')],
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    target: ['chrome120', 'firefox121', 'safari17'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    tsconfig: join(UI_FOLDER, 'tsconfig.json'),
  });
  const assets = new Map<string, { contentType: string; body: string }>();
  for (const file of result.outputFiles) {
    if (file.path.endsWith('.js')) assets.set('portal.js', { contentType: 'text/javascript; charset=utf-8', body: file.text });
    if (file.path.endsWith('.css')) assets.set('portal.css', { contentType: 'text/css; charset=utf-8', body: file.text });
  }
  const script = assets.get('portal.js');
  if (script === undefined || !assets.has('portal.css')) throw new Error('the portal build produced no script or no stylesheet');
  const bytes = Buffer.byteLength(script.body);
  if (bytes > PORTAL_SCRIPT_MAX_BYTES) throw new Error(`the portal script is ${bytes} bytes, over its budget of ${PORTAL_SCRIPT_MAX_BYTES}`);
  return assets;
}

/** Writes the assets into a folder (the portal function's bundle). */
export async function writePortalAssets(folder: string): Promise<void> {
  const assets = await buildPortalAssets();
  await mkdir(folder, { recursive: true });
  for (const [name, asset] of assets) await writeFile(join(folder, name), asset.body);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const folder = process.argv[2];
  if (folder === undefined) {
    process.stderr.write('usage: ui-build.ts <output folder>\n');
    process.exit(2);
  }
  await writePortalAssets(folder);
}
