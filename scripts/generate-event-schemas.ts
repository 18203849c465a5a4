/**
 * Writes the JSON Schema of every event to docs/events/<type>.json, from the zod schemas of
 * functions/events. The CDK construct publishes these files to the EventBridge schema registry.
 *
 *   npx tsx scripts/generate-event-schemas.ts            write docs/events (removes files of unknown types)
 *   npx tsx scripts/generate-event-schemas.ts --check    exit 1 if docs/events is not up to date
 *   npx tsx scripts/generate-event-schemas.ts --release  record docs/events as the released contract of
 *                                                        the current schemaVersion (test/events/contract/v<N>),
 *                                                        refusing changes that would break its consumers
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakingChanges } from '../functions/events/compatibility.ts';
import { SCHEMA_VERSION } from '../functions/events/detail.ts';
import { eventJsonSchemas, formatSchemaFile } from '../functions/events/json-schema.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const docsDir = join(root, 'docs', 'events');
const contractDir = join(root, 'test', 'events', 'contract', `v${SCHEMA_VERSION}`);

async function jsonFiles(directory: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) files.set(name, await readFile(join(directory, name), 'utf8'));
  return files;
}

function generated(): Map<string, string> {
  return new Map([...eventJsonSchemas()].map(([type, schema]) => [`${type}.json`, formatSchemaFile(schema)]));
}

async function write(): Promise<void> {
  await mkdir(docsDir, { recursive: true });
  const wanted = generated();
  for (const name of (await jsonFiles(docsDir)).keys()) if (!wanted.has(name)) await rm(join(docsDir, name));
  for (const [name, text] of wanted) await writeFile(join(docsDir, name), text);
  process.stdout.write(`wrote ${wanted.size} schemas to docs/events\n`);
}

async function check(): Promise<number> {
  const wanted = generated();
  const present = await jsonFiles(docsDir);
  const stale = [...new Set([...wanted.keys(), ...present.keys()])].filter((name) => wanted.get(name) !== present.get(name));
  if (stale.length === 0) return 0;
  process.stderr.write(`docs/events is out of date (${stale.join(', ')}): run npx tsx scripts/generate-event-schemas.ts\n`);
  return 1;
}

async function release(): Promise<number> {
  const released = await jsonFiles(contractDir);
  const wanted = generated();
  const problems: string[] = [];
  for (const [name, text] of released) {
    const current = wanted.get(name);
    if (current === undefined) problems.push(`${name}: event type removed`);
    else problems.push(...breakingChanges(JSON.parse(text) as Record<string, unknown>, JSON.parse(current) as Record<string, unknown>).map((problem) => `${name}: ${problem}`));
  }
  if (problems.length > 0) {
    process.stderr.write(`Not released: these changes break consumers of schemaVersion ${SCHEMA_VERSION}; raise SCHEMA_VERSION instead.\n${problems.join('\n')}\n`);
    return 1;
  }
  await mkdir(contractDir, { recursive: true });
  for (const [name, text] of wanted) await writeFile(join(contractDir, name), text);
  process.stdout.write(`recorded ${wanted.size} schemas as the contract of schemaVersion ${SCHEMA_VERSION}\n`);
  return 0;
}

const mode = process.argv[2];
if (mode === '--check') process.exitCode = await check();
else if (mode === '--release') process.exitCode = await release();
else if (mode === undefined) await write();
else {
  process.stderr.write(`unknown option ${mode}; use --check or --release\n`);
  process.exitCode = 2;
}
