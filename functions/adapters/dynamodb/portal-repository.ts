/**
 * Admin Portal links and sessions in DynamoDB: the `PortalLinkStore` of the link service.
 *
 * Each lives in its own partition keyed by the SHA-256 of its secret (see `keys.ts`), so the table
 * never holds a secret that would open the portal. Times are ISO 8601 strings, which compare in
 * time order in condition expressions; the time-to-live attribute (epoch seconds) lets DynamoDB
 * remove what has expired, while the code never trusts an item past its expiry (TTL deletion can
 * lag by hours).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PortalLinkStore, StoredPortalLink, StoredPortalSession } from '../../portal/portal-links.ts';
import { keys } from './keys.ts';
import { TABLE_DEFINITION } from './table-definition.ts';

const TTL = TABLE_DEFINITION.timeToLiveAttribute;

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** Epoch seconds of an ISO time, for the TTL attribute. */
function epochSeconds(iso: string): number {
  return Math.ceil(Date.parse(iso) / 1000);
}

const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, string>));

function toLink(item: Record<string, unknown>): StoredPortalLink {
  return {
    organizationId: String(item.organizationId),
    ...optional('directoryId', typeof item.directoryId === 'string' ? item.directoryId : undefined),
    ...optional('returnUrl', typeof item.returnUrl === 'string' ? item.returnUrl : undefined),
    createdAt: String(item.createdAt),
    validUntil: String(item.validUntil),
  };
}

function toSession(item: Record<string, unknown>): StoredPortalSession {
  return {
    organizationId: String(item.organizationId),
    ...optional('directoryId', typeof item.directoryId === 'string' ? item.directoryId : undefined),
    ...optional('returnUrl', typeof item.returnUrl === 'string' ? item.returnUrl : undefined),
    createdAt: String(item.createdAt),
    idleExpiresAt: String(item.idleExpiresAt),
    absoluteExpiresAt: String(item.absoluteExpiresAt),
  };
}

/**
 * DynamoDB access for portal links and sessions.
 *
 * @example
 * const links = new PortalLinkService({ store: new PortalRepository(documentClient, tableName), directories, portalBaseUrl });
 */
export class PortalRepository implements PortalLinkStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string) {
    this.#db = documentClient;
    this.#table = tableName;
  }

  async putLink(secretHash: string, link: StoredPortalLink): Promise<void> {
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...keys.portalLink(secretHash), ...link, [TTL]: epochSeconds(link.validUntil) },
        // 256 random bits never collide; the condition only guarantees a link is never overwritten.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * Deletes the link if it is still valid at `now`, answering what it held: one conditional
   * DeleteItem, so of two concurrent redeems exactly one gets the link.
   */
  async takeLink(secretHash: string, now: string): Promise<StoredPortalLink | undefined> {
    try {
      const { Attributes } = await this.#db.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: keys.portalLink(secretHash),
          ConditionExpression: 'attribute_exists(pk) AND validUntil > :now',
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes === undefined ? undefined : toLink(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async putSession(sessionHash: string, session: StoredPortalSession): Promise<void> {
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...keys.portalSession(sessionHash), ...session, [TTL]: epochSeconds(session.idleExpiresAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getSession(sessionHash: string): Promise<StoredPortalSession | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: keys.portalSession(sessionHash), ConsistentRead: true }));
    return Item === undefined ? undefined : toSession(Item);
  }

  /**
   * Moves the idle expiry from `from` to `to`, only if it still is `from`: of concurrent requests
   * only one writes, and a session ended meanwhile is not revived. False when the condition failed.
   */
  async slideSession(sessionHash: string, from: string, to: string): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.portalSession(sessionHash),
          UpdateExpression: 'SET idleExpiresAt = :to, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk) AND idleExpiresAt = :from',
          ExpressionAttributeNames: { '#ttl': TTL },
          ExpressionAttributeValues: { ':from': from, ':to': to, ':ttl': epochSeconds(to) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async deleteSession(sessionHash: string): Promise<void> {
    await this.#db.send(new DeleteCommand({ TableName: this.#table, Key: keys.portalSession(sessionHash) }));
  }
}
