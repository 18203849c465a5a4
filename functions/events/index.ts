/**
 * `scim-directory-sync/events`: types and parsers of the events the service publishes on
 * EventBridge, for the host application's consumers.
 *
 * @example
 * import { parseEventBridgeEvent } from 'scim-directory-sync/events';
 *
 * export const handler = async (input: unknown) => {
 *   const { detail } = parseEventBridgeEvent(input);
 *   if (detail.type === 'user.deactivated') await signOut(detail.directoryId, detail.user.id);
 * };
 */
import * as z from 'zod';
import { directoryEventSchema, EVENT_SCHEMAS, EVENT_TYPES, type DirectoryEvent, type EventOfType, type EventType } from './detail.ts';

export * from './detail.ts';
export { eventBridgeEventSchema, eventJsonSchema, eventJsonSchemas } from './json-schema.ts';

/** True when `value` names an event type of the catalogue. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Parses an event detail of any type. Unknown fields are kept, so events from a newer service
 * version still parse. Throws a `z.ZodError` when the detail is not one of the catalogue's.
 */
export function parseDirectoryEvent(detail: unknown): DirectoryEvent {
  return directoryEventSchema.parse(detail);
}

/** Parses the detail of one expected type; throws a `z.ZodError` for any other. */
export function parseEventOfType<T extends EventType>(type: T, detail: unknown): EventOfType<T> {
  return EVENT_SCHEMAS[type].parse(detail) as EventOfType<T>;
}

const eventBridgeEnvelope = z.looseObject({
  id: z.string().optional(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string().optional(),
  detail: z.unknown(),
});

/** An EventBridge event carrying one of the catalogue's details. */
export interface ParsedEventBridgeEvent {
  source: string;
  detailType: EventType;
  /** EventBridge's own id: differs on every delivery (use `detail.id` to de-duplicate). */
  eventBridgeId?: string;
  detail: DirectoryEvent;
}

/**
 * Parses the event a rule target (Lambda, SQS message body, …) receives. Checks that
 * `detail-type` and `detail.type` agree. Throws a `z.ZodError` otherwise.
 */
export function parseEventBridgeEvent(input: unknown): ParsedEventBridgeEvent {
  const envelope = eventBridgeEnvelope.parse(input);
  const detail = parseDirectoryEvent(envelope.detail);
  if (envelope['detail-type'] !== detail.type) {
    throw new z.ZodError([
      { code: 'custom', path: ['detail-type'], message: `detail-type ${envelope['detail-type']} does not match detail.type ${detail.type}`, input: envelope['detail-type'] },
    ]);
  }
  return {
    source: envelope.source,
    detailType: detail.type,
    ...(envelope.id === undefined ? {} : { eventBridgeId: envelope.id }),
    detail,
  };
}
export * from './resource.ts';
