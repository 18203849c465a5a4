/**
 * A fault-injecting DynamoDB endpoint for tests: an HTTP proxy on loopback in front of DynamoDB
 * Local that forwards every request, and on demand
 *
 * - adds latency to an operation (`latencyMs`),
 * - cancels a TransactWriteItems that meets another one in flight on the same item with
 *   TransactionConflict, as DynamoDB does (`conflicts`) — DynamoDB Local runs transactions one at
 *   a time and never reports a conflict, so hot items only show through this,
 * - throttles, fails with 500, drops the connection or never answers the Nth call of an
 *   operation (`faults`).
 *
 * It counts every call by operation and every fault it injected.
 */
import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind = 'throttle' | 'error500' | 'drop' | 'hang';

export interface FaultRules {
  latencyMs?: Partial<Record<string, number>>;
  /**
   * Cancel a TransactWriteItems that meets another on an item within `conflictWindowMs` (default
   * 10 ms, about what a transaction takes in DynamoDB) of that one's start. The window is the
   * proxy's own: DynamoDB Local runs transactions one at a time, so the time a request waits for
   * it says nothing about how long DynamoDB would hold its items.
   */
  conflicts?: boolean;
  conflictWindowMs?: number;
  /** Each fault applies once, to the `nth` call (1-based, counted from when it was set) of `operation`. */
  faults?: Array<{ operation: string; nth: number; kind: FaultKind }>;
}

type Attribute = Record<string, unknown>;
interface TransactItem {
  Put?: { TableName: string; Item: Record<string, Attribute> };
  Update?: { TableName: string; Key: Record<string, Attribute> };
  Delete?: { TableName: string; Key: Record<string, Attribute> };
  ConditionCheck?: { TableName: string; Key: Record<string, Attribute> };
}

/** Table, pk and sk of one transaction item, as one string. */
function itemKey(item: TransactItem): string {
  const part = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
  if (part === undefined) return '';
  const key = 'Item' in part ? part.Item : part.Key;
  return JSON.stringify([part.TableName, key.pk, key.sk]);
}

const errorBody = (type: string, message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra });

export class FaultProxy {
  readonly rules: FaultRules = {};
  /** Calls seen, by operation (e.g. `TransactWriteItems`). */
  readonly calls = new Map<string, number>();
  /** Faults injected, by kind (`conflict` included). */
  readonly injected = new Map<string, number>();
  readonly #server: Server;
  readonly #target: URL;
  readonly #inFlight = new Set<string>();
  readonly #hanging = new Set<ServerResponse>();
  #faultCalls = new Map<string, number>();

  private constructor(server: Server, target: URL) {
    this.#server = server;
    this.#target = target;
  }

  /** Starts a proxy on 127.0.0.1 in front of `target` (DynamoDB Local). */
  static async start(target: string): Promise<FaultProxy> {
    const url = new URL(target);
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') throw new Error('the fault proxy forwards to loopback only');
    let proxy: FaultProxy | undefined;
    const server = createServer((request, response) => void proxy?.handle(request, response));
    proxy = new FaultProxy(server, url);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Sets faults, counting the Nth calls from now. */
  setFaults(faults: NonNullable<FaultRules['faults']>): void {
    this.rules.faults = faults;
    this.#faultCalls = new Map();
  }

  async close(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #count(map: Map<string, number>, key: string): number {
    const value = (map.get(key) ?? 0) + 1;
    map.set(key, value);
    return value;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    this.#count(this.calls, operation);

    const nth = this.#count(this.#faultCalls, operation);
    const fault = this.rules.faults?.find((candidate) => candidate.operation === operation && candidate.nth === nth);
    if (fault !== undefined) {
      this.#count(this.injected, fault.kind);
      switch (fault.kind) {
        case 'throttle':
          return this.#answer(response, 400, errorBody('ThrottlingException', 'Rate of requests exceeds the allowed throughput.'));
        case 'error500':
          return this.#answer(response, 500, errorBody('InternalServerError', 'Internal server error'));
        case 'drop':
          request.socket.destroy();
          return;
        case 'hang':
          this.#hanging.add(response);
          return;
      }
    }

    let held: string[] = [];
    if (this.rules.conflicts === true && operation === 'TransactWriteItems') {
      const items = (JSON.parse(body.toString('utf8')) as { TransactItems: TransactItem[] }).TransactItems;
      const keys = items.map(itemKey);
      if (keys.some((key) => this.#inFlight.has(key))) {
        this.#count(this.injected, 'conflict');
        const reasons = keys.map((key) => (this.#inFlight.has(key) ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' }));
        const listed = reasons.map((reason) => reason.Code).join(', ');
        return this.#answer(response, 400, errorBody('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${listed}]`, { CancellationReasons: reasons }));
      }
      held = keys;
      for (const key of held) this.#inFlight.add(key);
      const release = held;
      held = [];
      setTimeout(() => {
        for (const key of release) this.#inFlight.delete(key);
      }, this.rules.conflictWindowMs ?? 10).unref();
    }
    try {
      const latency = this.rules.latencyMs?.[operation] ?? 0;
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      const upstream = await this.#forward(request, body);
      response.writeHead(upstream.status, upstream.headers);
      response.end(upstream.body);
    } catch {
      request.socket.destroy();
    } finally {
      for (const key of held) this.#inFlight.delete(key);
    }
  }

  #answer(response: ServerResponse, status: number, body: string): void {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }

  #forward(request: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const outgoing = forward(
        { host: this.#target.hostname, port: this.#target.port, method: request.method, path: request.url, headers: { ...request.headers, host: this.#target.host } },
        (incoming) => {
          const parts: Buffer[] = [];
          incoming.on('data', (part: Buffer) => parts.push(part));
          incoming.on('end', () => {
            const headers = Object.fromEntries(Object.entries(incoming.headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
            resolve({ status: incoming.statusCode ?? 502, headers, body: Buffer.concat(parts) });
          });
          incoming.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}
