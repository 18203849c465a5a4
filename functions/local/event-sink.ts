/**
 * The local runtime's stand-in for EventBridge: each event becomes one summary line on the
 * console, one line of `<dataDir>/events.jsonl`, and, optionally, a POST to a webhook.
 *
 * The summary names the event and ids only; the full event (which holds personal data such as
 * userName and emails) goes only to the file and the webhook.
 */
import { appendFile } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbActivityLog } from '../adapters/dynamodb/activity-writer.ts';
import { DynamoDbMemberDisplays } from '../adapters/dynamodb/member-displays.ts';
import { DynamoDbParkedRecords } from '../adapters/dynamodb/parked-records.ts';
import type { DirectoryEvent } from '../events/detail.ts';
import { DEFAULT_EVENT_SOURCE } from '../fanout/config.ts';
import type { OutboundEvent } from '../fanout/entries.ts';
import { CachedOrganizationLookup } from '../fanout/organization-lookup.ts';
import type { EventSink, SendResult } from '../fanout/sink.ts';
import { StreamFanout } from '../fanout/stream-fanout.ts';
import { StreamPoller, type StartingPosition } from './stream-poller.ts';

export interface LocalEventSinkOptions {
  /** File the events are appended to, one JSON object a line. */
  eventsFile: string;
  /** POST every event here as JSON (the EventBridge event shape). */
  webhookUrl?: string;
  /** Receives the one-line summaries. @default stdout */
  log?: (line: string) => void;
  /** Time allowed for one webhook call. @default 5 s */
  webhookTimeoutMs?: number;
}

/** The event as an EventBridge rule target would receive it (local values for account and region). */
export function localEnvelope(entry: OutboundEvent): Record<string, unknown> {
  return {
    version: '0',
    id: entry.event.id,
    'detail-type': entry.detailType,
    source: entry.source,
    account: '000000000000',
    time: entry.time.toISOString(),
    region: 'local',
    resources: [],
    detail: entry.event,
  };
}

/** The console line of an event: its type and ids, never attribute values. */
export function summarize(event: DirectoryEvent): string {
  const parts = [`event ${event.type}`, `directory=${event.directoryId}`];
  switch (event.type) {
    case 'user.created':
    case 'user.updated':
    case 'user.deactivated':
    case 'user.reactivated':
    case 'user.deleted':
      parts.push(`user=${event.user.id}`, `version=${event.version}`);
      break;
    case 'group.created':
    case 'group.updated':
    case 'group.deleted':
      parts.push(`group=${event.group.id}`, `version=${event.version}`);
      break;
    case 'group.member_added':
    case 'group.member_removed':
      parts.push(`group=${event.groupId}`, `member=${event.member.type}:${event.member.id}`);
      break;
    default:
      parts.push(`version=${event.version}`);
  }
  if (event.type === 'user.updated' || event.type === 'group.updated' || event.type === 'directory.updated') {
    // Attribute names are not personal data; their values are, and stay out of the console.
    parts.push(`changed=${event.changedAttributes.join(',')}`);
  }
  if (event.truncated === true) parts.push('truncated');
  parts.push(`id=${event.id}`);
  return parts.join(' ');
}

/**
 * @example
 * const sink = new LocalEventSink({ eventsFile: '.data/events.jsonl', webhookUrl: 'http://127.0.0.1:3000/hooks/scim' });
 */
export class LocalEventSink implements EventSink {
  readonly #options: LocalEventSinkOptions;
  readonly #log: (line: string) => void;

  constructor(options: LocalEventSinkOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /**
   * Delivers in order. With a webhook, an event counts as delivered only once the webhook
   * answered 2xx, and only then is it logged and written: the file lists what was delivered,
   * and a failed one is retried by the fan-out like a failed PutEvents entry.
   */
  async send(entries: readonly OutboundEvent[]): Promise<SendResult[]> {
    const results: SendResult[] = [];
    for (const entry of entries) {
      const envelope = localEnvelope(entry);
      const failure = this.#options.webhookUrl === undefined ? undefined : await this.#post(this.#options.webhookUrl, envelope);
      if (failure !== undefined) {
        results.push(failure);
        continue;
      }
      await appendFile(this.#options.eventsFile, `${JSON.stringify(envelope)}\n`, { encoding: 'utf8', mode: 0o600 });
      this.#log(summarize(entry.event));
      results.push({ ok: true });
    }
    return results;
  }

  async #post(url: string, body: Record<string, unknown>): Promise<SendResult | undefined> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#options.webhookTimeoutMs ?? 5_000),
      });
      await response.arrayBuffer();
      if (response.ok) return undefined;
      return { ok: false, errorCode: 'WebhookFailed', errorMessage: `webhook answered ${response.status}` };
    } catch (error) {
      return { ok: false, errorCode: 'WebhookFailed', errorMessage: error instanceof Error ? error.message : String(error) };
    }
  }
}

export interface LocalEventsOptions {
  /** DynamoDB Local's endpoint; its streams API answers on the same one. */
  dynamodbEndpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Tenant URL base of the local server (`http://127.0.0.1:<port>/scim/v2`). */
  scimBaseUrl: string;
  eventsFile: string;
  webhookUrl?: string;
  source?: string;
  /** Where to begin reading the stream. @default 'LATEST' (changes made while stopped are not replayed) */
  startingPosition?: StartingPosition;
  /** Receives event summaries and poller notices. @default stdout */
  log?: (line: string) => void;
  /** Days activity entries are kept. @default 30 */
  activityRetentionDays?: number;
}

/** The running local event pipeline. */
export interface LocalEvents {
  poller: StreamPoller;
  eventsFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the local event pipeline of `npm start`: DynamoDB Local's stream, polled about twice a
 * second, through the same fan-out as the Lambda, into a {@link LocalEventSink}.
 */
export async function startLocalEvents(options: LocalEventsOptions): Promise<LocalEvents> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const fanout = new StreamFanout({
    sink: new LocalEventSink({ eventsFile: options.eventsFile, log, ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }) }),
    source: options.source ?? DEFAULT_EVENT_SOURCE,
    scimBaseUrl: options.scimBaseUrl,
    organizations: new CachedOrganizationLookup({ documentClient: options.documentClient, tableName: options.tableName }),
    // Provisioning activity is recorded from the stream locally too, as the Lambda does.
    activity: new DynamoDbActivityLog({
      documentClient: options.documentClient,
      tableName: options.tableName,
      ...(options.activityRetentionDays === undefined ? {} : { retentionDays: options.activityRetentionDays }),
    }),
    memberDisplays: new DynamoDbMemberDisplays({ documentClient: options.documentClient, tableName: options.tableName }),
    // Parked as in AWS, so `scim-admin --local events redrive` has something to redrive.
    parking: new DynamoDbParkedRecords(options.documentClient, options.tableName),
    logger: {
      info: () => undefined,
      warn: (message) => log(message),
      error: (message, attributes) => log(`${message} (record ${String(attributes.sequenceNumber)}: ${String(attributes.error)})`),
    },
  });
  const streams = new DynamoDBStreamsClient({
    endpoint: options.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const poller = new StreamPoller({
    dynamodb: options.client,
    streams,
    tableName: options.tableName,
    startingPosition: options.startingPosition ?? 'LATEST',
    handle: (records) => fanout.handleBatch({ Records: records }),
    log,
  });
  try {
    await poller.start();
  } catch (error) {
    streams.destroy();
    throw error;
  }
  return {
    poller,
    eventsFile: options.eventsFile,
    stop: async () => {
      await poller.stop();
      streams.destroy();
    },
  };
}
