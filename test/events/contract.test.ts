/**
 * The event contract: the committed JSON Schemas in docs/events are the ones the code generates,
 * and no change breaks consumers of the released contract of the current schemaVersion.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { breakingChanges } from '../../functions/events/compatibility.ts';
import { EVENT_TYPES, SCHEMA_VERSION } from '../../functions/events/detail.ts';
import { eventJsonSchema, eventJsonSchemas, formatSchemaFile } from '../../functions/events/json-schema.ts';

const docsDir = fileURLToPath(new URL('../../docs/events/', import.meta.url));
const contractDir = fileURLToPath(new URL(`./contract/v${SCHEMA_VERSION}/`, import.meta.url));

async function jsonFiles(directory: string): Promise<Map<string, string>> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(`${directory}${name}`, 'utf8')] as const)));
}

const clone = (schema: Record<string, unknown>) => structuredClone(schema) as Record<string, any>;

describe('event contract', () => {
  it('commits exactly the schemas generated now (run scripts/generate-event-schemas.ts after a change)', async () => {
    const committed = await jsonFiles(docsDir);
    expect([...committed.keys()]).toEqual(EVENT_TYPES.map((type) => `${type}.json`).sort());
    for (const [type, schema] of eventJsonSchemas()) {
      expect(committed.get(`${type}.json`), `docs/events/${type}.json`).toBe(formatSchemaFile(schema));
    }
  });

  it(`breaks no consumer of the released contract of schemaVersion ${SCHEMA_VERSION}`, async () => {
    const released = await jsonFiles(contractDir);
    expect(released.size, `no released contract for schemaVersion ${SCHEMA_VERSION}: run scripts/generate-event-schemas.ts --release`).toBeGreaterThan(0);
    for (const [name, text] of released) {
      const type = name.replace(/\.json$/, '');
      expect(EVENT_TYPES as readonly string[], `event type ${type} was removed`).toContain(type);
      expect(breakingChanges(JSON.parse(text) as Record<string, unknown>, eventJsonSchema(type as (typeof EVENT_TYPES)[number])), name).toEqual([]);
    }
  });
});

describe('breakingChanges', () => {
  const released = eventJsonSchema('user.updated');

  it('accepts the same schema, an added optional field and a narrowed field', () => {
    const next = clone(released);
    next.properties.detail.properties.department = { type: 'string' };
    next.properties.detail.properties.organizationId.type = 'string';
    next.properties.detail.properties.user.properties.meta.properties.location.type = 'string';
    expect(breakingChanges(released, released)).toEqual([]);
    expect(breakingChanges(released, next)).toEqual([]);
  });

  it('reports a removed field', () => {
    const next = clone(released);
    delete next.properties.detail.properties.user.properties.userName;
    next.properties.detail.properties.user.required = next.properties.detail.properties.user.required.filter((name: string) => name !== 'userName');
    expect(breakingChanges(released, next)).toContain('detail.user.userName: field removed');
  });

  it('reports a changed type', () => {
    const next = clone(released);
    next.properties.detail.properties.version = { type: 'string' };
    expect(breakingChanges(released, next)).toEqual(['detail.version: type changed from integer to string']);
  });

  it('reports a newly required field, and a field no longer required', () => {
    const added = clone(released);
    added.properties.detail.properties.reason = { type: 'string' };
    added.properties.detail.required.push('reason');
    expect(breakingChanges(released, added)).toEqual(['detail.reason: newly required']);
    const relaxed = clone(released);
    relaxed.properties.detail.required = relaxed.properties.detail.required.filter((name: string) => name !== 'version');
    expect(breakingChanges(released, relaxed)).toEqual(['detail.version: no longer required']);
  });

  it('reports widened values and unconstrained items', () => {
    const next = clone(released);
    next.properties.detail.properties.type.enum.push('user.renamed');
    delete next.properties.detail.properties.changedAttributes.items;
    expect(breakingChanges(released, next)).toEqual(['detail.type: new allowed values "user.renamed"', 'detail.changedAttributes[]: items no longer constrained']);
  });
});
