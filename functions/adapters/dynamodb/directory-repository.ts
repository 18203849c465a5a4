/**
 * Directory records, their counters, token last-use items, and the purge of a directory's
 * partition. The only code that touches DIRECTORY and TOKENUSE items.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { DirectoryChanges, DirectoryProvider, DirectoryRecord, DirectoryStore } from '../../admin/directory-store.ts';
import { DirectoryStoreError } from '../../admin/directory-store.ts';
import type { Counters } from '../../service/repository.ts';
import type { DirectoryItem } from './items.ts';
import { DIRECTORIES_INDEX_PK, keys, SK } from './keys.ts';
import { readCounters } from './counters.ts';
import { ENTITY, TABLE_DEFINITION } from './table-definition.ts';
import { sleep } from '../../shared/sleep.ts';

/** Bounds of the loops below (pages of a listing, retries of unprocessed batch items). */
const MAX_LIST_PAGES = 1000;
const MAX_BATCH_ATTEMPTS = 8;
/** BatchWriteItem accepts 25 requests. */
const BATCH_WRITE_SIZE = 25;
/** Counter reads in flight when many directories are listed. */
const COUNTS_CONCURRENCY = 8;
/** Parallel BatchWriteItem calls during a purge. */
const PURGE_PARALLELISM = 4;

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** The record of a DIRECTORY item, without its keys. */
function toRecord(item: Record<string, unknown>): DirectoryRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...record } = item as unknown as DirectoryItem;
  return record;
}

/**
 * DynamoDB access for directories: the `DirectoryStore` of the admin service, plus the token
 * last-use writes of the token verifier.
 *
 * @example
 * const repository = new DirectoryRepository(documentClient, 'scim-directory-sync');
 * const directory = await repository.get(directoryId);
 */
export class DirectoryRepository implements DirectoryStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string) {
    this.#db = documentClient;
    this.#table = tableName;
  }

  /** Writes a new DIRECTORY item; fails with reason `exists` if the id is taken. */
  async create(directory: {
    directoryId: string;
    name: string;
    organizationId?: string;
    provider: DirectoryProvider;
    at: string;
  }): Promise<DirectoryRecord> {
    const item: DirectoryItem = {
      ...keys.directory(directory.directoryId),
      gsi1pk: DIRECTORIES_INDEX_PK,
      gsi1sk: directory.directoryId,
      entity: ENTITY.directory,
      directoryId: directory.directoryId,
      name: directory.name,
      ...(directory.organizationId === undefined ? {} : { organizationId: directory.organizationId }),
      provider: directory.provider,
      status: 'active',
      created: directory.at,
      lastModified: directory.at,
      version: 1,
    };
    try {
      await this.#db.send(
        new PutCommand({ TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new DirectoryStoreError('exists', `directory ${directory.directoryId} exists`, { cause: error });
      throw error;
    }
    return toRecord(item as unknown as Record<string, unknown>);
  }

  /** The DIRECTORY item, read strongly consistent, or undefined. */
  async get(directoryId: string): Promise<DirectoryRecord | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: keys.directory(directoryId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toRecord(Item);
  }

  /** Every DIRECTORY item, from the directory index, in id order. */
  async list(): Promise<DirectoryRecord[]> {
    const directories: DirectoryRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const output = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: TABLE_DEFINITION.directoryIndex.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': TABLE_DEFINITION.directoryIndex.partitionKey },
          ExpressionAttributeValues: { ':pk': DIRECTORIES_INDEX_PK },
          ExclusiveStartKey: startKey,
        }),
      );
      directories.push(...(output.Items ?? []).map(toRecord));
      startKey = output.LastEvaluatedKey;
      if (startKey === undefined) return directories;
    }
    throw new Error(`directory index has more than ${MAX_LIST_PAGES} pages`);
  }

  /** The counters of one directory. */
  async getCounts(directoryId: string): Promise<Counters> {
    return readCounters(this.#db, this.#table, directoryId, { consistent: false });
  }

  /** The counters of many directories, by directory id: one small Query each, a few at a time. */
  async getCountsOf(directoryIds: readonly string[]): Promise<Map<string, Counters>> {
    const counts = new Map<string, Counters>();
    let next = 0;
    const worker = async () => {
      while (next < directoryIds.length) {
        const id = directoryIds[next++] as string;
        counts.set(id, await this.getCounts(id));
      }
    };
    await Promise.all(Array.from({ length: Math.min(COUNTS_CONCURRENCY, directoryIds.length) }, worker));
    return new Map(directoryIds.map((id) => [id, counts.get(id) as Counters]));
  }

  /**
   * Applies changes and bumps `version`, conditional on the version read before, so each
   * lifecycle change is one stream record the fan-out can announce.
   */
  async update(directoryId: string, expectedVersion: number, changes: DirectoryChanges, at: string): Promise<DirectoryRecord> {
    const names: Record<string, string> = { '#version': 'version', '#lastModified': 'lastModified' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1, ':at': at };
    const set = ['#version = #version + :one', '#lastModified = :at'];
    const remove: string[] = [];
    for (const field of ['name', 'status', 'deletingSince', 'organizationId'] as const) {
      const value = changes[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      if (value === null) {
        remove.push(`#${field}`);
      } else {
        values[`:${field}`] = value;
        set.push(`#${field} = :${field}`);
      }
    }
    try {
      const { Attributes } = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.directory(directoryId),
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new DirectoryStoreError('versionConflict', `directory ${directoryId} changed meanwhile or is gone`, { cause: error });
      }
      throw error;
    }
  }

  /** Deletes the DIRECTORY item, only once its deletion has begun (the purge's last step). */
  async deleteRecord(directoryId: string): Promise<void> {
    try {
      await this.#db.send(
        new DeleteCommand({ TableName: this.#table, Key: keys.directory(directoryId), ConditionExpression: 'attribute_exists(deletingSince)' }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new DirectoryStoreError('notFound', `directory ${directoryId} is not being deleted`, { cause: error });
      throw error;
    }
  }

  /**
   * Takes the lease that serialises changes to the directory's token secret across processes
   * (Secrets Manager has no conditional write). False while another holder's lease runs.
   */
  async tryLockSecret(directoryId: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...keys.secretLock(directoryId),
            owner,
            leaseUntil: nowMs + leaseMs,
            [TABLE_DEFINITION.timeToLiveAttribute]: Math.ceil((nowMs + leaseMs) / 1000) + 60,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':now': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Releases the lease if this owner still holds it. */
  async unlockSecret(directoryId: string, owner: string): Promise<void> {
    try {
      await this.#db.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: keys.secretLock(directoryId),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /**
   * Records when a token was last used. Only moves forward in time, so concurrent Lambdas
   * cannot set it back.
   */
  async recordTokenUse(directoryId: string, tokenId: string, at: Date): Promise<void> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.tokenUse(directoryId, tokenId),
          UpdateExpression: 'SET lastUsedAt = :at, directoryId = :dir, tokenId = :token',
          ConditionExpression: 'attribute_not_exists(lastUsedAt) OR lastUsedAt < :at',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':dir': directoryId, ':token': tokenId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Last use of every token of a directory that was ever used, by token id. */
  async listTokenUses(directoryId: string): Promise<Map<string, string>> {
    const uses = new Map<string, string>();
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const output = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':prefix': SK.tokenUsePrefix },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) {
        if (typeof item.tokenId === 'string' && typeof item.lastUsedAt === 'string') uses.set(item.tokenId, item.lastUsedAt);
      }
      startKey = output.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    return uses;
  }

  /**
   * Deletes up to `limit` items of the directory's partition, all but the DIRECTORY item, and
   * answers how many it deleted. Zero means the partition holds nothing else (the read is
   * strongly consistent). Each call starts from the beginning of the partition: what it deletes
   * is gone, so no cursor is needed between calls or invocations.
   */
  async purgePage(directoryId: string, limit: number): Promise<number> {
    const output = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.partition(directoryId) },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
        // One extra, because the DIRECTORY item may be among them.
        Limit: limit + 1,
      }),
    );
    const doomed = (output.Items ?? []).filter((item) => item.sk !== SK.directory).slice(0, limit);
    const batches: Record<string, unknown>[][] = [];
    for (let start = 0; start < doomed.length; start += BATCH_WRITE_SIZE) {
      batches.push(doomed.slice(start, start + BATCH_WRITE_SIZE).map((item) => ({ pk: item.pk, sk: item.sk })));
    }
    for (let start = 0; start < batches.length; start += PURGE_PARALLELISM) {
      await Promise.all(batches.slice(start, start + PURGE_PARALLELISM).map((batch) => this.#deleteBatch(batch)));
    }
    return doomed.length;
  }

  async #deleteBatch(batchKeys: Record<string, unknown>[]): Promise<void> {
    let requests = batchKeys.map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error('BatchWriteItem left deletes unprocessed after retries');
      // Unprocessed items mean throttling: back off exponentially, as the DynamoDB guide advises.
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const output = await this.#db.send(new BatchWriteCommand({ RequestItems: { [this.#table]: requests } }));
      requests = (output.UnprocessedItems?.[this.#table] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key === undefined ? [] : [{ DeleteRequest: { Key: request.DeleteRequest.Key } }],
      );
    }
  }
}
