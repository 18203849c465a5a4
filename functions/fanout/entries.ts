/**
 * Events as EventBridge entries: the size EventBridge charges for each, and the trimmed form of
 * an event too large to send whole.
 */
import type { DirectoryEvent } from '../events/detail.ts';

/** EventBridge refuses an entry, and a PutEvents request, larger than 256 KiB. */
export const MAX_ENTRY_BYTES = 256 * 1024;
/** EventBridge accepts at most 10 entries per PutEvents request. */
export const MAX_ENTRIES_PER_REQUEST = 10;

/** One event ready to send. */
export interface OutboundEvent {
  event: DirectoryEvent;
  source: string;
  detailType: string;
  /** The serialized detail, as sent. */
  detail: string;
  time: Date;
  /** Size as EventBridge counts it. */
  bytes: number;
}

const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * The size of an entry as EventBridge computes it: 14 bytes for `Time`, plus the UTF-8 bytes of
 * `Source`, `DetailType` and `Detail` (no `Resources` are sent). The bus name is added too, as a
 * margin that costs little.
 */
export function entrySize(entry: { source: string; detailType: string; detail: string; eventBusName?: string }): number {
  return 14 + utf8Length(entry.source) + utf8Length(entry.detailType) + utf8Length(entry.detail) + utf8Length(entry.eventBusName ?? '');
}

function identifiersOnly(resource: Record<string, unknown>, keep: readonly string[]): Record<string, unknown> {
  const trimmed: Record<string, unknown> = {};
  for (const name of ['schemas', 'id', 'externalId', ...keep, 'meta']) {
    if (resource[name] !== undefined) trimmed[name] = resource[name];
  }
  return trimmed;
}

/**
 * The event with its resource reduced to identifiers (`schemas`, `id`, `externalId`, `userName`
 * or `displayName`, `meta`) and without previous values, flagged `truncated`. Ids, `version` and
 * the names of the changed attributes stay, so a consumer can still act on it (or re-read).
 */
export function trimEvent(event: DirectoryEvent): DirectoryEvent {
  switch (event.type) {
    case 'user.created':
    case 'user.deactivated':
    case 'user.reactivated':
    case 'user.deleted':
      return { ...event, user: identifiersOnly(event.user, ['userName']) as typeof event.user, truncated: true };
    case 'user.updated':
      return { ...event, user: identifiersOnly(event.user, ['userName']) as typeof event.user, previous: {}, truncated: true };
    case 'group.created':
    case 'group.deleted':
      return { ...event, group: identifiersOnly(event.group, ['displayName']) as typeof event.group, truncated: true };
    case 'group.updated':
      return { ...event, group: identifiersOnly(event.group, ['displayName']) as typeof event.group, previous: {}, truncated: true };
    default:
      // Membership and directory events are a few hundred bytes: nothing to trim.
      return event;
  }
}

/**
 * The outbound entry of an event. An event whose entry would exceed EventBridge's limit is sent
 * trimmed (see {@link trimEvent}) rather than dropped.
 */
export function toOutboundEvent(event: DirectoryEvent, source: string, eventBusName?: string): OutboundEvent {
  const build = (candidate: DirectoryEvent): OutboundEvent => {
    const detail = JSON.stringify(candidate);
    const bytes = entrySize({ source, detailType: candidate.type, detail, ...(eventBusName === undefined ? {} : { eventBusName }) });
    return { event: candidate, source, detailType: candidate.type, detail, time: new Date(candidate.occurredAt), bytes };
  };
  const whole = build(event);
  return whole.bytes <= MAX_ENTRY_BYTES ? whole : build(trimEvent(event));
}

/**
 * Splits entries, in order, into PutEvents requests of at most 10 entries and 256 KiB.
 */
export function chunkEntries<T extends { bytes: number }>(entries: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const entry of entries) {
    if (current.length > 0 && (current.length >= MAX_ENTRIES_PER_REQUEST || size + entry.bytes > MAX_ENTRY_BYTES)) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += entry.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
