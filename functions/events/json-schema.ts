/**
 * JSON Schema (draft-04, the dialect of the EventBridge schema registry) of each event, generated
 * from the zod schemas. `scripts/generate-event-schemas.ts` writes them to docs/events; the
 * contract test compares the committed files with what this module generates now.
 */
import * as z from 'zod';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType } from './detail.ts';

/**
 * The whole EventBridge event of one type, as a rule target receives it. The `source` is left
 * open because each deployment chooses its own.
 */
export function eventBridgeEventSchema<T extends EventType>(type: T) {
  return z
    .looseObject({
      version: z.string(),
      id: z.string().meta({ description: 'Assigned by EventBridge, different on every delivery; use detail.id to de-duplicate' }),
      'detail-type': z.literal(type),
      source: z.string(),
      account: z.string(),
      time: z.string(),
      region: z.string(),
      resources: z.array(z.string()),
      detail: EVENT_SCHEMAS[type],
    })
    .meta({ title: type, description: EVENT_SCHEMAS[type].meta()?.description ?? type });
}

/** The JSON Schema document of one event type. */
export function eventJsonSchema(type: EventType): Record<string, unknown> {
  // io 'input' leaves objects open (no additionalProperties: false), like the zod schemas.
  return z.toJSONSchema(eventBridgeEventSchema(type), {
    target: 'draft-04',
    io: 'input',
    override: ({ jsonSchema }) => {
      // `format: date-time` says it all; zod's long calendar regex would only obscure the file.
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
    },
  }) as Record<string, unknown>;
}

/** Every event type's JSON Schema, by type, in catalogue order. */
export function eventJsonSchemas(): Map<EventType, Record<string, unknown>> {
  return new Map(EVENT_TYPES.map((type) => [type, eventJsonSchema(type)]));
}

/** The text of a schema file: stable key order as generated, two-space indent, final newline. */
export function formatSchemaFile(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
