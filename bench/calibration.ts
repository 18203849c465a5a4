/**
 * Checks, at the start of every run, that the units the bench prices are the units DynamoDB
 * would bill: for each request kind the service uses, a request with a known answer by DynamoDB's
 * published rules goes through the meter, and the meter's figure must match. DynamoDB Local's
 * own figure is shown beside it (it differs for transactions of several items, which the meter
 * computes from item sizes). Runs on a scratch table of its own.
 */
import { PutCommand, GetCommand, TransactWriteCommand, BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoDbClient, ensureTable } from '../functions/adapters/dynamodb/client.ts';
import { keys } from '../functions/adapters/dynamodb/keys.ts';
import { CapacityMeter } from './capacity-meter.ts';

export interface CapacityRuleCheck {
  rule: string;
  /** Units by DynamoDB's rules. */
  expected: number;
  /** Units as the meter counts them (what the bench prices). */
  measured: number;
  /** Units as DynamoDB Local reported them. */
  localReported: number;
  ok: boolean;
}

const SCRATCH_TABLE = 'scim-directory-sync-bench-calibration';

export async function checkCapacityRules(endpoint: string): Promise<CapacityRuleCheck[]> {
  const client = createDynamoDbClient({ endpoint, region: 'us-east-1' });
  const sizeReader = createDynamoDbClient({ endpoint, region: 'us-east-1' });
  try {
    const meter = new CapacityMeter(client, sizeReader);
    await ensureTable(client, SCRATCH_TABLE);
    const documents = createDocumentClient(client);
    const small = keys.user('calibration', 'small');
    const large = keys.user('calibration', 'large');
    const absent = keys.user('calibration', 'absent');
    // 1,500 bytes of payload plus keys: between 1 and 2 KB, under 4 KB.
    const smallItem = { ...small, payload: 'x'.repeat(1500) };
    const largeItem = { ...large, payload: 'x'.repeat(5000) };

    const units = async (send: () => Promise<unknown>, kind: 'read' | 'write'): Promise<[number, number]> => {
      meter.take();
      await send();
      const totals = CapacityMeter.totals(meter.take());
      return kind === 'read' ? [totals.readUnits, totals.readUnits] : [totals.writeUnits, totals.localWriteUnits];
    };
    const smallItems = ['t1', 't2', 't3'].map((id) => ({ Put: { TableName: SCRATCH_TABLE, Item: { ...keys.user('calibration', id), payload: 'x'.repeat(100) } } }));
    const checks: Array<[string, number, [number, number]]> = [
      ['PutItem of a 1.5 KB item: 1 WRU per KB, rounded up', 2, await units(() => documents.send(new PutCommand({ TableName: SCRATCH_TABLE, Item: smallItem })), 'write')],
      [
        'TransactWriteItems Put of a 1.5 KB item: 2 WRU per KB',
        4,
        await units(() => documents.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: SCRATCH_TABLE, Item: smallItem } }] })), 'write'),
      ],
      [
        'TransactWriteItems of three 0.1 KB items: each rounded up to 1 KB on its own',
        6,
        await units(() => documents.send(new TransactWriteCommand({ TransactItems: smallItems })), 'write'),
      ],
      ['PutItem of a 5 KB item', 5, await units(() => documents.send(new PutCommand({ TableName: SCRATCH_TABLE, Item: largeItem })), 'write')],
      ['Strongly consistent GetItem of a 1.5 KB item: 1 RRU per 4 KB', 1, await units(() => documents.send(new GetCommand({ TableName: SCRATCH_TABLE, Key: small, ConsistentRead: true })), 'read')],
      ['Eventually consistent GetItem of a 1.5 KB item: half of that', 0.5, await units(() => documents.send(new GetCommand({ TableName: SCRATCH_TABLE, Key: small })), 'read')],
      ['Strongly consistent GetItem of a 5 KB item', 2, await units(() => documents.send(new GetCommand({ TableName: SCRATCH_TABLE, Key: large, ConsistentRead: true })), 'read')],
      ['Strongly consistent GetItem of a missing item: the minimum', 1, await units(() => documents.send(new GetCommand({ TableName: SCRATCH_TABLE, Key: absent, ConsistentRead: true })), 'read')],
      [
        'Strongly consistent BatchGetItem of a 1.5 KB item and a 5 KB item',
        3,
        await units(() => documents.send(new BatchGetCommand({ RequestItems: { [SCRATCH_TABLE]: { Keys: [small, large], ConsistentRead: true } } })), 'read'),
      ],
    ];
    return checks.map(([rule, expected, [measured, localReported]]) => ({ rule, expected, measured, localReported, ok: expected === measured }));
  } finally {
    client.destroy();
    sizeReader.destroy();
  }
}
