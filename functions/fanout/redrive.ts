/**
 * Redrive: parked stream records published again, through the same mapping, batching and
 * retries as the fan-out, then removed from where they were parked.
 *
 * Safe to repeat. An event's id derives from its stream record (map-record.ts), so a record
 * redriven twice, or redriven after some of its events got through before it was parked, yields
 * the same ids, which consumers de-duplicate on (docs/events.md). A record is removed only once
 * all its events were delivered; one that still cannot be mapped stays parked and is reported.
 *
 * From the dead-letter queue (`from: 'queue'`), the same for the records the fan-out sent there
 * whole when the table failed too (queued-records.ts). A standard queue keeps no order: a record
 * redriven after a later change of its resource carries the older `version`, which consumers drop.
 * The mapping's own pointer messages, and records too large to travel whole, stay in the queue.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { DirectoryEvent } from '../events/detail.ts';
import { toOutboundEvent } from './entries.ts';
import { mapStreamRecord, type MapContext } from './map-record.ts';
import type { OrganizationLookup } from './organization-lookup.ts';
import type { ParkedRecord, ParkedRecordStore, ParkReason } from './parking.ts';
import { decodeQueuedRecord, type DeadLetterReader } from './queued-records.ts';
import { publishInOrder, type PublishOptions } from './publisher.ts';
import type { EventSink } from './sink.ts';

/** Parked records one redrive looks at when no maximum is given. */
export const DEFAULT_REDRIVE_MAX = 500;
/** Most parked records one redrive looks at (a call must end well within the admin function's time). */
export const MAX_REDRIVE = 5_000;
/** Parked records read per Query. */
const PAGE_SIZE = 100;

export interface RedriveRequest {
  /** Only this directory's parked records. @default every directory's */
  directoryId?: string;
  /** Parked records to look at, at most. @default 500 */
  max?: number;
  /** Map the records and count, but publish and remove nothing. */
  dryRun?: boolean;
  /** Where the records are: parked in the table, or sent whole to the dead-letter queue. @default 'table' */
  from?: 'table' | 'queue';
}

/** What became of one parked record. */
export interface RedriveItem {
  directoryId: string;
  sequenceNumber: string;
  eventID: string;
  reason: ParkReason;
  parkedAt: string;
  /**
   * `redriven`: published and removed; `ready`: would be (dry run); `unmappable`, `undelivered`:
   * still parked; `tooLarge`: in the queue without its images, which no redrive can publish.
   */
  outcome: 'redriven' | 'ready' | 'unmappable' | 'undelivered' | 'tooLarge';
  /** Events the record stands for (0 when it could not be mapped). */
  events: number;
  /** Why it is still parked. */
  detail?: string;
}

export interface RedriveReport {
  dryRun: boolean;
  /** Directories looked in. */
  directories: number;
  /** Parked records looked at. */
  examined: number;
  redriven: number;
  /** Dry run: records that would be redriven. */
  ready: number;
  /** Events published (or, in a dry run, that would be). */
  events: number;
  unmappable: number;
  undelivered: number;
  /** From the queue: records there without their images (too large to send whole). */
  tooLarge: number;
  /** From the queue: the event source mapping's pointers into the stream, left in the queue. */
  pointers: number;
  /** True when parked records remain that this call did not look at (the maximum was reached, or delivery stopped). */
  more: boolean;
  /** One entry per record looked at, in the order handled. */
  items: RedriveItem[];
}

export interface ParkedRecordRedriverOptions {
  store: ParkedRecordStore;
  sink: EventSink;
  /** EventBridge `source` of every event. */
  source: string;
  eventBusName?: string;
  /** Tenant URL base (`https://…/scim/v2`). */
  scimBaseUrl: string;
  organizations: OrganizationLookup;
  /** Every directory's id, for a redrive of all of them. */
  listDirectories(): Promise<string[]>;
  mapRecord?: (record: DynamoDBRecord, context: MapContext) => Promise<DirectoryEvent[]>;
  publish?: PublishOptions;
  /** The stream's dead-letter queue; without it a redrive `from: 'queue'` finds nothing. */
  queue?: DeadLetterReader;
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * @example
 * const redriver = new ParkedRecordRedriver({ store, sink, source, scimBaseUrl, organizations, listDirectories });
 * const report = await redriver.redrive({ directoryId: 'k3…', max: 100 });
 */
export class ParkedRecordRedriver {
  readonly #options: ParkedRecordRedriverOptions;

  constructor(options: ParkedRecordRedriverOptions) {
    this.#options = options;
  }

  /** Redrives parked records in stream order, directory by directory, up to `max` of them. */
  async redrive(request: RedriveRequest = {}): Promise<RedriveReport> {
    const max = Math.min(Math.max(1, request.max ?? DEFAULT_REDRIVE_MAX), MAX_REDRIVE);
    const dryRun = request.dryRun === true;
    const report: RedriveReport = { dryRun, directories: 0, examined: 0, redriven: 0, ready: 0, events: 0, unmappable: 0, undelivered: 0, tooLarge: 0, pointers: 0, more: false, items: [] };
    if (request.from === 'queue') return this.#redriveQueue(request, max, report);
    const directories = request.directoryId === undefined ? await this.#options.listDirectories() : [request.directoryId];
    let stopped = false;
    for (const directoryId of directories) {
      if (stopped || report.examined >= max) {
        // Say whether anything was left behind, at the cost of one small read per directory.
        if (!report.more) report.more = (await this.#options.store.list(directoryId, { limit: 1 })).length > 0;
        continue;
      }
      report.directories += 1;
      let after: string | undefined;
      for (;;) {
        if (report.examined >= max || stopped) {
          report.more ||= (await this.#options.store.list(directoryId, { limit: 1, ...(after === undefined ? {} : { afterSequenceNumber: after }) })).length > 0;
          break;
        }
        const page = await this.#options.store.list(directoryId, { limit: Math.min(PAGE_SIZE, max - report.examined), ...(after === undefined ? {} : { afterSequenceNumber: after }) });
        if (page.length === 0) break;
        for (const parked of page) {
          after = parked.sequenceNumber;
          report.examined += 1;
          const item = await this.#redriveOne(parked, dryRun, () => this.#options.store.remove(parked.directoryId, parked.sequenceNumber));
          // The bus refuses events now; later records would only pile up behind this one.
          if (!tally(report, item)) {
            stopped = true;
            break;
          }
        }
      }
    }
    return report;
  }

  /**
   * Redrives the records the fan-out sent to the dead-letter queue, up to `max` messages looked
   * at. Messages not removed (pointers, other directories', records kept) are made visible again
   * at the end, for the next redrive.
   */
  async #redriveQueue(request: RedriveRequest, max: number, report: RedriveReport): Promise<RedriveReport> {
    const queue = this.#options.queue;
    if (queue === undefined) return report;
    const kept: string[] = [];
    const directories = new Set<string>();
    let looked = 0;
    try {
      receiving: while (looked < max) {
        const messages = await queue.receive(max - looked);
        if (messages.length === 0) return report;
        for (const message of messages) {
          looked += 1;
          const decoded = decodeQueuedRecord(message.body);
          if (decoded.kind === 'other') {
            report.pointers += 1;
            kept.push(message.receipt);
            continue;
          }
          const { parked } = decoded;
          if (request.directoryId !== undefined && parked.directoryId !== request.directoryId) {
            kept.push(message.receipt);
            continue;
          }
          directories.add(parked.directoryId);
          report.directories = directories.size;
          report.examined += 1;
          let removed = false;
          const item =
            decoded.kind === 'tooLarge'
              ? { ...itemBase(parked), outcome: 'tooLarge' as const, events: 0, detail: 'the record was too large for the queue: only its keys are there; read the resource again through the Directory API' }
              : await this.#redriveOne(decoded.parked, request.dryRun === true, async () => {
                  await queue.remove(message.receipt);
                  removed = true;
                });
          if (!removed) kept.push(message.receipt);
          if (!tally(report, item)) {
            // Those received with it are released below, unread.
            for (const rest of messages.slice(messages.indexOf(message) + 1)) kept.push(rest.receipt);
            break receiving;
          }
        }
      }
      // The maximum was reached: more may wait.
      report.more = true;
      return report;
    } finally {
      if (kept.length > 0) await queue.release(kept);
    }
  }

  async #redriveOne(parked: ParkedRecord, dryRun: boolean, remove: () => Promise<unknown>): Promise<RedriveItem> {
    const base = itemBase(parked);
    const map = this.#options.mapRecord ?? mapStreamRecord;
    let events: DirectoryEvent[];
    try {
      events = await map(parked.record, this.#options);
    } catch (error) {
      return { ...base, outcome: 'unmappable', events: 0, detail: errorText(error) };
    }
    if (dryRun) return { ...base, outcome: 'ready', events: events.length };
    const entries = events.map((event) => toOutboundEvent(event, this.#options.source, this.#options.eventBusName));
    const failure = await publishInOrder(entries, this.#options.sink, this.#options.publish);
    if (failure !== undefined) {
      return { ...base, outcome: 'undelivered', events: events.length, detail: `${failure.errorCode}${failure.errorMessage === undefined ? '' : `: ${failure.errorMessage}`}` };
    }
    // Removed only now: a redrive that stops in between publishes the record again, with the same ids.
    await remove();
    return { ...base, outcome: 'redriven', events: events.length };
  }
}

/** What a report says of any parked record. */
function itemBase(parked: Omit<ParkedRecord, 'record'>): Pick<RedriveItem, 'directoryId' | 'sequenceNumber' | 'eventID' | 'reason' | 'parkedAt'> {
  return { directoryId: parked.directoryId, sequenceNumber: parked.sequenceNumber, eventID: parked.eventID, reason: parked.reason, parkedAt: parked.parkedAt };
}

/** Adds an item to the report; answers false when the redrive must stop (the bus refused its events). */
function tally(report: RedriveReport, item: RedriveItem): boolean {
  report.items.push(item);
  switch (item.outcome) {
    case 'redriven':
    case 'ready':
      if (item.outcome === 'redriven') report.redriven += 1;
      else report.ready += 1;
      report.events += item.events;
      return true;
    case 'unmappable':
      report.unmappable += 1;
      return true;
    case 'tooLarge':
      report.tooLarge += 1;
      return true;
    case 'undelivered':
      report.undelivered += 1;
      report.more = true;
      return false;
  }
}
