import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TABLE_DEFINITION } from '../../../functions/adapters/dynamodb/table-definition.ts';
import { createTestTable } from '../../support/dynamodb.ts';

describe('ensureTable', () => {
  it('creates the table from the shared definition, with its index and stream', async () => {
    const { client, tableName } = await createTestTable();
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual([TABLE_DEFINITION.partitionKey, TABLE_DEFINITION.sortKey]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([TABLE_DEFINITION.directoryIndex.name]);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });
});
