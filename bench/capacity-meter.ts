/**
 * Meters the DynamoDB traffic of one client: every data-plane request is asked to report its
 * consumed capacity (`ReturnConsumedCapacity: 'TOTAL'`), and the meter records the command, the
 * capacity units and, for BatchGetItem, how many requested keys found no item.
 *
 * DynamoDB Local gets one thing wrong: for TransactWriteItems it adds up the bytes of all items
 * and rounds once, where DynamoDB rounds every item up to 1 KB on its own (a transaction of four
 * small items is billed 8 WRU; DynamoDB Local says 2). So for transactions the meter reads each
 * item's size just before and just after the write, through a second, unmetered client, and
 * computes the units by DynamoDB's rules. The time those reads take is kept apart
 * ({@link CapacityMeter.takeOverheadMs}) so that latency can leave it out.
 *
 * The middleware sits at the `initialize` step of the low-level client, under the document
 * client, so it sees one entry per request sent; SDK retries happen further down and are not
 * counted (DynamoDB Local does not throttle, so there are none to count).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { TABLE_DEFINITION } from '../functions/adapters/dynamodb/table-definition.ts';
import { itemSize, transactionalWriteUnits } from './item-size.ts';

/** Commands that read; everything else metered writes. */
const READ_COMMANDS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
/** Commands that take `ReturnConsumedCapacity`; control-plane calls (CreateTable, ...) reject it. */
const METERED_COMMANDS = new Set([...READ_COMMANDS, 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** One entry of `ConsumedCapacity` (an object for single-item calls, an array for batch and transaction calls). */
const consumedEntry = z.object({
  CapacityUnits: z.number().optional(),
  ReadCapacityUnits: z.number().optional(),
  WriteCapacityUnits: z.number().optional(),
});
const consumedCapacity = z.union([consumedEntry, z.array(consumedEntry)]).optional();

/** The items of a TransactWriteItems request, keys in document (plain) or low-level ({ S }) form. */
const keyValue = z.union([z.string(), z.object({ S: z.string() })]);
const itemKey = z.looseObject({ [TABLE_DEFINITION.partitionKey]: keyValue, [TABLE_DEFINITION.sortKey]: keyValue });
const transactInput = z.object({
  TransactItems: z.array(
    z.object({
      Put: z.object({ TableName: z.string(), Item: itemKey }).optional(),
      Update: z.object({ TableName: z.string(), Key: itemKey }).optional(),
      Delete: z.object({ TableName: z.string(), Key: itemKey }).optional(),
      ConditionCheck: z.object({ TableName: z.string(), Key: itemKey }).optional(),
    }),
  ),
});

/** DynamoDB's BatchGetItem limit, and attempts for keys it leaves unprocessed. */
const BATCH_GET_KEYS = 100;
const MAX_BATCH_GET_ATTEMPTS = 6;

/** Identifies an item across tables. */
const refId = (table: string, pk: string | undefined, sk: string | undefined) => `${table}\u0000${pk}\u0000${sk}`;

interface ItemRef {
  table: string;
  key: Record<string, AttributeValue>;
  id: string;
}

function itemRefs(input: unknown): ItemRef[] | undefined {
  const parsed = transactInput.safeParse(input);
  if (!parsed.success) return undefined;
  const asAttribute = (value: z.infer<typeof keyValue>): AttributeValue => (typeof value === 'string' ? { S: value } : { S: value.S });
  return parsed.data.TransactItems.flatMap((item) => {
    const target = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
    if (target === undefined) return [];
    const source = item.Put !== undefined ? item.Put.Item : (target as { Key: z.infer<typeof itemKey> }).Key;
    const pk = asAttribute(source[TABLE_DEFINITION.partitionKey] as z.infer<typeof keyValue>);
    const sk = asAttribute(source[TABLE_DEFINITION.sortKey] as z.infer<typeof keyValue>);
    return [{ table: target.TableName, key: { [TABLE_DEFINITION.partitionKey]: pk, [TABLE_DEFINITION.sortKey]: sk }, id: refId(target.TableName, pk.S, sk.S) }];
  });
}

/** The parts of a BatchGetItem request and response needed to count keys that found nothing. */
const batchGetInput = z.object({ RequestItems: z.record(z.string(), z.object({ Keys: z.array(z.unknown()) })) });
const batchGetOutput = z.object({
  Responses: z.record(z.string(), z.array(z.unknown())).optional(),
  UnprocessedKeys: z.record(z.string(), z.object({ Keys: z.array(z.unknown()) })).optional(),
});

/** One DynamoDB round trip as the meter saw it. */
export interface MeteredRequest {
  /** Command name without the `Command` suffix, e.g. `GetItem`. */
  command: string;
  readUnits: number;
  writeUnits: number;
  /** False when the response carried no ConsumedCapacity, or a transaction's items could not be sized. */
  capacityReported: boolean;
  /** BatchGetItem only: keys that were processed but matched no item. */
  missingKeys: number;
  /** The request failed (e.g. a cancelled transaction); failed requests report no capacity. */
  failed: boolean;
  /** Write units as DynamoDB Local reported them (differs from writeUnits for transactions). */
  localWriteUnits: number;
  /** The label of the {@link CapacityMeter.within} call the request was made in, if any. */
  scope?: string;
}

/** Totals over a set of metered requests. */
export interface MeterTotals {
  roundTrips: number;
  commands: string[];
  readUnits: number;
  writeUnits: number;
  unreported: number;
  missingKeys: number;
  failed: number;
  localWriteUnits: number;
}

function countMissingKeys(input: unknown, output: unknown): number {
  const request = batchGetInput.safeParse(input);
  const response = batchGetOutput.safeParse(output);
  if (!request.success || !response.success) return 0;
  let missing = 0;
  for (const [table, { Keys }] of Object.entries(request.data.RequestItems)) {
    const returned = response.data.Responses?.[table]?.length ?? 0;
    const unprocessed = response.data.UnprocessedKeys?.[table]?.Keys.length ?? 0;
    missing += Math.max(0, Keys.length - returned - unprocessed);
  }
  return missing;
}

/**
 * Attaches to a client and records its requests until {@link CapacityMeter.take} is called.
 * `sizeReader` must be another client on the same endpoint (its reads are not metered).
 *
 * @example
 * const meter = new CapacityMeter(client, otherClient);
 * meter.take();
 * await service.get(ctx, 'User', id);
 * const { roundTrips, readUnits } = CapacityMeter.totals(meter.take());
 */
export class CapacityMeter {
  #requests: MeteredRequest[] = [];
  #overheadMs = 0;
  /** Follows a request through its awaits, so that concurrent requests are told apart. */
  readonly #scope = new AsyncLocalStorage<string>();

  constructor(
    client: DynamoDBClient,
    private readonly sizeReader: DynamoDBClient,
  ) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName).replace(/Command$/, '');
        if (!METERED_COMMANDS.has(command)) return next(args);
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        const isRead = READ_COMMANDS.has(command);
        const refs = command === 'TransactWriteItems' ? itemRefs(input) : undefined;
        const before = refs === undefined ? undefined : await this.#sizes(refs);
        const scope = this.#scope.getStore();
        const scoped = scope === undefined ? {} : { scope };
        try {
          const result = await next(args);
          const output = result.output as unknown as Record<string, unknown>;
          const parsed = consumedCapacity.safeParse(output.ConsumedCapacity);
          const entries = !parsed.success || parsed.data === undefined ? [] : Array.isArray(parsed.data) ? parsed.data : [parsed.data];
          let readUnits = 0;
          let writeUnits = 0;
          for (const entry of entries) {
            // With 'TOTAL' DynamoDB may give only CapacityUnits; the command says which kind they are.
            const total = entry.CapacityUnits ?? 0;
            readUnits += entry.ReadCapacityUnits ?? (isRead ? total : 0);
            writeUnits += entry.WriteCapacityUnits ?? (isRead ? 0 : total);
          }
          const localWriteUnits = writeUnits;
          if (refs !== undefined && before !== undefined) {
            const after = await this.#sizes(refs);
            writeUnits = refs.reduce((sum, ref) => sum + transactionalWriteUnits(before.get(ref.id) ?? 0, after.get(ref.id) ?? 0), 0);
          }
          this.#requests.push({
            command,
            readUnits,
            writeUnits,
            // A transaction whose items could not be read is reported as unmetered, not priced at DynamoDB Local's figure.
            capacityReported: entries.length > 0 && (command !== 'TransactWriteItems' || refs !== undefined),
            missingKeys: command === 'BatchGetItem' ? countMissingKeys(input, output) : 0,
            failed: false,
            localWriteUnits,
            ...scoped,
          });
          return result;
        } catch (error) {
          this.#requests.push({ command, readUnits: 0, writeUnits: 0, capacityReported: false, missingKeys: 0, failed: true, localWriteUnits: 0, ...scoped });
          throw error;
        }
      },
      { step: 'initialize', name: 'benchCapacityMeter' },
    );
  }

  /** The size in bytes of each referenced item now (absent items are 0), read strongly consistently. */
  async #sizes(refs: readonly ItemRef[]): Promise<Map<string, number>> {
    const started = performance.now();
    const sizes = new Map<string, number>(refs.map((ref) => [ref.id, 0]));
    const tables = [...new Set(refs.map((ref) => ref.table))];
    for (const table of tables) {
      const keysOfTable = refs.filter((ref) => ref.table === table).map((ref) => ref.key);
      for (let start = 0; start < keysOfTable.length; start += BATCH_GET_KEYS) {
        let pending = keysOfTable.slice(start, start + BATCH_GET_KEYS);
        for (let attempt = 1; pending.length > 0; attempt++) {
          if (attempt > MAX_BATCH_GET_ATTEMPTS) throw new Error('capacity meter: BatchGetItem kept leaving keys unprocessed');
          const { Responses, UnprocessedKeys } = await this.sizeReader.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
          for (const item of Responses?.[table] ?? []) {
            sizes.set(refId(table, item[TABLE_DEFINITION.partitionKey]?.S, item[TABLE_DEFINITION.sortKey]?.S), itemSize(item));
          }
          pending = UnprocessedKeys?.[table]?.Keys ?? [];
        }
      }
    }
    this.#overheadMs += performance.now() - started;
    return sizes;
  }

  /**
   * Runs `work` with its DynamoDB requests labelled `scope`: how requests served at the same time
   * (the Entra ID cycle sends four at once) are told apart.
   */
  within<T>(scope: string, work: () => T): T {
    return this.#scope.run(scope, work);
  }

  /** The requests recorded since the last call, and a fresh start. */
  take(): MeteredRequest[] {
    const taken = this.#requests;
    this.#requests = [];
    return taken;
  }

  /** Milliseconds spent reading item sizes since the last call: time no real request spends. */
  takeOverheadMs(): number {
    const taken = this.#overheadMs;
    this.#overheadMs = 0;
    return taken;
  }

  /** Sums a set of requests. */
  static totals(requests: readonly MeteredRequest[]): MeterTotals {
    return {
      roundTrips: requests.length,
      commands: requests.map((request) => request.command),
      readUnits: requests.reduce((sum, request) => sum + request.readUnits, 0),
      writeUnits: requests.reduce((sum, request) => sum + request.writeUnits, 0),
      unreported: requests.filter((request) => !request.capacityReported && !request.failed).length,
      missingKeys: requests.reduce((sum, request) => sum + request.missingKeys, 0),
      failed: requests.filter((request) => request.failed).length,
      localWriteUnits: requests.reduce((sum, request) => sum + request.localWriteUnits, 0),
    };
  }
}
