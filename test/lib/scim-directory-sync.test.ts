import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/environment.ts';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import {
  actionsOfRole,
  logicalId,
  resourcesOfType,
  
  statementsOfRole,
  synthStack,
  testApp,
} from './synth.ts';


const FUNCTIONS = ['Users', 'Groups', 'Discovery', 'ScimFallback', 'DirectoryApi', 'Admin', 'StreamFanout', 'Portal', 'JournalSweeper'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

describe('ScimDirectorySync (defaults)', () => {
  let template: Template;
  const fnId = (name: FunctionName) => logicalId(template, 'AWS::Lambda::Function', `ScimDirectorySync${name}Function`);
  const roleId = (name: FunctionName) => logicalId(template, 'AWS::IAM::Role', `ScimDirectorySync${name}FunctionRole`);
  const tableId = () => logicalId(template, 'AWS::DynamoDB::GlobalTable', 'ScimDirectorySyncTable');
  const tableArn = () => ({ 'Fn::GetAtt': [tableId(), 'Arn'] });
  const envOf = (name: FunctionName) =>
    (resourcesOfType(template, 'AWS::Lambda::Function')[fnId(name)]!['Properties'] as {
      Environment: { Variables: Record<string, unknown> };
    }).Environment.Variables;

  /** The prefix the construct derived for the stack "Test" (the default-named stack keeps the shared one). */
  const tokenPrefix = () => envOf('Users')['TOKEN_SECRET_PREFIX'] as string;

  beforeAll(() => {
    template = synthStack().template;
  });

  describe('table', () => {
    it('has the keys, index, TTL and stream of TABLE_DEFINITION, on demand', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        BillingMode: 'PAY_PER_REQUEST',
      });
    });

    it('has point-in-time recovery and deletion protection, and is retained', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          Replicas: [
            Match.objectLike({
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              DeletionProtectionEnabled: true,
            }),
          ],
        }),
      });
    });
  });

  describe('functions', () => {
    it('run Node.js 22 on arm64 with an explicit log group and JSON logs', () => {
      for (const name of FUNCTIONS) {
        const fn = resourcesOfType(template, 'AWS::Lambda::Function')[fnId(name)]!['Properties'] as Record<string, unknown>;
        expect(fn['Runtime'], name).toBe('nodejs22.x');
        expect(fn['Architectures'], name).toEqual(['arm64']);
        expect(fn['Handler'], name).toBe('index.handler');
        expect(fn['LoggingConfig'], name).toMatchObject({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } });
        const env = envOf(name);
        expect(env['POWERTOOLS_SERVICE_NAME'], name).toEqual(expect.any(String));
        expect(env['POWERTOOLS_LOG_LEVEL'], name).toBe('INFO');
        // The SCIM functions map the stack they log when they log it, not at every cold start.
        const api = ['Users', 'Groups', 'Discovery', 'ScimFallback'].includes(name);
        expect(env['NODE_OPTIONS'], name).toBe(api ? undefined : '--enable-source-maps');
      }
      template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('get the environment their handlers read', () => {
      for (const name of ['Users', 'Groups', 'Discovery', 'ScimFallback'] as const) {
        expect(envOf(name)).toMatchObject({
          TABLE_NAME: { Ref: tableId() },
          TOKEN_SECRET_PREFIX: tokenPrefix(),
          TOKEN_CACHE_TTL_SECONDS: '30',
          ACTIVITY_RETENTION_DAYS: '30',
          SCIM_BASE_URL: expect.anything(),
        });
      }
      expect(envOf('StreamFanout')).toMatchObject({ ACTIVITY_RETENTION_DAYS: '30' });
      // The stream's dead-letter queue: the fan-out sends records there, the admin function's redrive reads them.
      const dlqUrl = { Ref: logicalId(template, 'AWS::SQS::Queue', 'ScimDirectorySyncStreamDeadLetterQueue') };
      expect(envOf('StreamFanout')['DEAD_LETTER_QUEUE_URL']).toEqual(dlqUrl);
      expect(envOf('Admin')['DEAD_LETTER_QUEUE_URL']).toEqual(dlqUrl);
      expect(envOf('Admin')).toMatchObject({
        TABLE_NAME: { Ref: tableId() },
        TOKEN_SECRET_PREFIX: tokenPrefix(),
        SCIM_BASE_URL: expect.anything(),
      });
      expect(envOf('StreamFanout')).toMatchObject({
        TABLE_NAME: { Ref: tableId() },
        SCIM_BASE_URL: expect.anything(),
        EVENT_SOURCE: 'scim-directory-sync',
        EVENT_BUS_NAME: { Ref: logicalId(template, 'AWS::Events::EventBus', 'ScimDirectorySyncEventsBus') },
      });
    });

    it('give users and groups one cursor signing key, resolved from a secret the stack generates, and no one else', () => {
      const secretId = logicalId(template, 'AWS::SecretsManager::Secret', 'ScimDirectorySyncCursorSigningKey');
      template.hasResource('AWS::SecretsManager::Secret', {
        Properties: { GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }) },
        DeletionPolicy: 'Delete',
      });
      const reference = { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] };
      expect(envOf('Users')['CURSOR_SIGNING_KEY']).toEqual(reference);
      expect(envOf('Groups')['CURSOR_SIGNING_KEY']).toEqual(reference);
      for (const name of FUNCTIONS.filter((fn) => fn !== 'Users' && fn !== 'Groups')) expect(envOf(name)['CURSOR_SIGNING_KEY'], name).toBeUndefined();
    });

    it('set only variables named in the environment module the handlers read', () => {
      const known: readonly string[] = Object.values(ENV);
      for (const name of FUNCTIONS) {
        const unknown = Object.keys(envOf(name)).filter((variable) => variable !== 'NODE_OPTIONS' && !known.includes(variable));
        expect(unknown, name).toEqual([]);
      }
    });

    it('give the Tenant URL base as https://<api>.execute-api.<region>.<suffix>/v1/scim/v2', () => {
      const url = JSON.stringify(envOf('Admin')['SCIM_BASE_URL']);
      expect(url).toContain('"https://"');
      expect(url).toContain('.execute-api.');
      expect(url).toContain('/v1/scim/v2');
    });
  });

  describe('least privilege', () => {
    it('derive a token-secret prefix of their own from the stack and construct path', () => {
      expect(tokenPrefix()).toMatch(/^scim-directory-sync\/Test-ScimDirectorySync-[A-Z0-9]{8}\/$/);
    });

    const secretArn = (prefix = tokenPrefix()) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':secretsmanager:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:secret:${prefix}*`,
        ],
      ],
    });
    // X-Ray tracing is on by default.
    const logActions = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    const itemActions = [
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ];

    it('users, groups and the fallback that serves them in other spellings: item actions on the table (not its index) and read-only secrets under the prefix', () => {
      for (const name of ['Users', 'Groups', 'ScimFallback'] as const) {
        expect(actionsOfRole(template, roleId(name)), name).toEqual(
          [...itemActions, 'secretsmanager:GetSecretValue', ...logActions].sort(),
        );
        const statements = statementsOfRole(template, roleId(name));
        const dynamo = statements.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
        expect(dynamo.flatMap((s) => s.resources), name).toEqual([tableArn()]);
        const secrets = statements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
        expect(secrets.flatMap((s) => s.resources), name).toEqual([secretArn()]);
        expect(actionsOfRole(template, roleId(name)), name).not.toContain('secretsmanager:PutSecretValue');
        expect(actionsOfRole(template, roleId(name)), name).not.toContain('secretsmanager:CreateSecret');
      }
    });

    it('discovery: reads token secrets and records token use and failed requests, nothing else', () => {
      expect(actionsOfRole(template, roleId('Discovery'))).toEqual(
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'secretsmanager:GetSecretValue', ...logActions].sort(),
      );
      const dynamo = statementsOfRole(template, roleId('Discovery')).filter((s) => s.actions.includes('dynamodb:UpdateItem'));
      expect(dynamo.flatMap((s) => s.resources)).toEqual([tableArn()]);
    });

    it('admin: table and gsi1, manages secrets under the prefix, invokes only itself, puts redriven events on its bus', () => {
      const statements = statementsOfRole(template, roleId('Admin'));
      expect(actionsOfRole(template, roleId('Admin'))).toEqual(
        [
          ...itemActions,
          'dynamodb:BatchWriteItem',
          // events.redrive publishes parked stream records.
          'events:PutEvents',
          'lambda:InvokeFunction',
          'secretsmanager:CreateSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          // events.redrive --from-queue reads back what the fan-out sent to the stream's dead-letter queue.
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          // Failed asynchronous self-invocations go to its failure queue.
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
          ...logActions,
        ].sort(),
      );
      // Reading and removing messages: the stream's dead-letter queue only, never its own failure queue.
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'ScimDirectorySyncStreamDeadLetterQueue');
      const reads = statements.filter((s) => s.actions.some((a) => a === 'sqs:ReceiveMessage' || a === 'sqs:DeleteMessage' || a === 'sqs:ChangeMessageVisibility'));
      expect(reads).toHaveLength(1);
      expect(reads[0]?.actions.sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage']);
      expect(reads[0]?.resources).toEqual([{ 'Fn::GetAtt': [dlq, 'Arn'] }]);
      const indexQuery = statements.find((s) => s.actions.length === 1 && s.actions[0] === 'dynamodb:Query');
      expect(indexQuery?.resources).toEqual([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId(), 'Arn'] }, '/index/gsi1']] },
      ]);
      const invoke = statements.find((s) => s.actions.includes('lambda:InvokeFunction'));
      expect(invoke?.resources).toEqual([{ 'Fn::GetAtt': [fnId('Admin'), 'Arn'] }]);
      const secrets = statements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
      expect(secrets.flatMap((s) => s.resources)).toEqual([secretArn()]);
      const putEvents = statements.find((s) => s.actions.includes('events:PutEvents'));
      expect(putEvents?.resources).toEqual([{ 'Fn::GetAtt': [logicalId(template, 'AWS::Events::EventBus', 'ScimDirectorySyncEventsBus'), 'Arn'] }]);
      expect(envOf('Admin')).toMatchObject({ [ENV.eventBusName]: expect.anything(), [ENV.eventSource]: 'scim-directory-sync' });
    });

    it('admin is not reachable through the API', () => {
      const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).map(
        (p) => p['Properties'] as { FunctionName: unknown; Principal: string },
      );
      expect(permissions.length).toBeGreaterThan(0);
      for (const permission of permissions) {
        expect(permission.FunctionName).not.toEqual({ 'Fn::GetAtt': [fnId('Admin'), 'Arn'] });
      }
    });

    it('directory API: reads the table and gsi1, writes portal links only, and starts replays from its archive only', () => {
      expect(actionsOfRole(template, roleId('DirectoryApi'))).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'events:StartReplay',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
      // Its only write is a portal link, in the link partitions.
      const put = statementsOfRole(template, roleId('DirectoryApi')).find((statement) => statement.actions.includes('dynamodb:PutItem'))!;
      expect(put.actions).toEqual(['dynamodb:PutItem']);
      expect(put.condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PORTALLINK#*'] } });
      const replay = statementsOfRole(template, roleId('DirectoryApi')).find((statement) => statement.actions.includes('events:StartReplay'))!;
      const archiveId = logicalId(template, 'AWS::Events::Archive', 'ScimDirectorySyncEvents');
      expect(JSON.stringify(replay.resources)).toContain(archiveId);
      expect(JSON.stringify(replay.resources)).toContain(':replay/scimds-*');
    });

    it('grantDirectoryRead lets a host role GET the /api/v1 routes of the stage and nothing else', () => {
      const stack = new Stack(testApp(), 'Grant');
      const scim = new ScimDirectorySync(stack, 'Scim');
      const hostRole = new iam.Role(stack, 'HostRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      scim.grantDirectoryRead(hostRole);
      const granted = Template.fromStack(stack);
      const statements = statementsOfRole(granted, logicalId(granted, 'AWS::IAM::Role', 'HostRole'));
      expect(statements).toHaveLength(1);
      expect(statements[0]!.actions).toEqual(['execute-api:Invoke']);
      const resource = JSON.stringify(statements[0]!.resources);
      expect(resource).toContain('/GET/api/v1/*');
      expect(resource).not.toContain('scim');
    });

    it('stream fan-out: PutEvents on its bus, reads of the table, activity, member-name and parking writes only, the stream, and its dead-letter queue', () => {
      const statements = statementsOfRole(template, roleId('StreamFanout'));
      const actions = actionsOfRole(template, roleId('StreamFanout'));
      expect(actions).toContain('events:PutEvents');
      expect(actions).toContain('dynamodb:GetItem');
      expect(actions).toContain('dynamodb:GetRecords');
      expect(actions).toContain('sqs:SendMessage');
      // It sends whole records to the dead-letter queue (the mapping's grant) and never reads it.
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'ScimDirectorySyncStreamDeadLetterQueue');
      const sends = statements.filter((s) => s.actions.includes('sqs:SendMessage'));
      expect(sends.flatMap((s) => s.resources)).toEqual([{ 'Fn::GetAtt': [dlq, 'Arn'] }]);
      for (const read of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) expect(actions).not.toContain(read);
      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      expect(actions).not.toContain('dynamodb:DeleteItem');
      // Its updates: members' display names on membership items (`display`, nothing else), and parking (below).
      const updates = statements.filter((s) => s.actions.includes('dynamodb:UpdateItem') && !s.actions.includes('dynamodb:PutItem'));
      expect(updates).toHaveLength(1);
      expect(updates[0]?.actions).toEqual(['dynamodb:UpdateItem']);
      const updateCondition = updates[0]?.condition as Record<string, Record<string, string[] | string>>;
      expect(updateCondition['ForAllValues:StringEquals']).toEqual({ 'dynamodb:Attributes': ['pk', 'sk', 'display'] });
      expect(updateCondition['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['DIR#*'] });
      // Writes are activity entries (and parked records, below): directory partitions, an activity entry's attributes only.
      const writes = statements.filter((s) => s.actions.some((a) => a === 'dynamodb:BatchWriteItem'));
      expect(writes).toHaveLength(1);
      expect(writes[0]?.actions.sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem']);
      expect(writes[0]?.resources).toEqual([tableArn()]);
      const condition = writes[0]?.condition as Record<string, Record<string, string[]>>;
      expect(condition['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['DIR#*'] });
      const attributes = condition['ForAllValues:StringEquals']?.['dynamodb:Attributes'] ?? [];
      expect(attributes).toEqual(expect.arrayContaining(['pk', 'sk', 'expiresAt', 'requestId', 'outcome']));
      for (const forbidden of ['entity', 'attributes', 'version', 'memberOf', 'gsi1pk']) expect(attributes).not.toContain(forbidden);
      // Parking: a parked record's or a failure count's attributes only, in directory partitions; nothing that makes a resource.
      const parking = statements.filter((s) => s.actions.includes('dynamodb:UpdateItem') && s.actions.includes('dynamodb:PutItem'));
      expect(parking).toHaveLength(1);
      expect(parking[0]?.actions.sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(parking[0]?.resources).toEqual([tableArn()]);
      const parkingCondition = parking[0]?.condition as Record<string, Record<string, string[]>>;
      expect(parkingCondition['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['DIR#*'] });
      const parkingAttributes = parkingCondition['ForAllValues:StringEquals']?.['dynamodb:Attributes'] ?? [];
      expect(parkingAttributes).toEqual(expect.arrayContaining(['pk', 'sk', 'expiresAt', 'record', 'sequenceNumber', 'failures']));
      for (const forbidden of ['entity', 'attributes', 'version', 'memberOf', 'gsi1pk', 'requestId']) expect(parkingAttributes).not.toContain(forbidden);
      const putEvents = statements.find((s) => s.actions.includes('events:PutEvents'));
      expect(putEvents?.resources).toEqual([
        { 'Fn::GetAtt': [logicalId(template, 'AWS::Events::EventBus', 'ScimDirectorySyncEventsBus'), 'Arn'] },
      ]);
      const getItem = statements.find((s) => s.actions.includes('dynamodb:GetItem'));
      expect(getItem?.resources).toEqual([tableArn()]);
    });
  });

  describe('member-journal sweeper', () => {
    const sweeperRole = () => logicalId(template, 'AWS::IAM::Role', 'ScimDirectorySyncJournalSweeperFunctionRole');
    const sweeperFunction = () => logicalId(template, 'AWS::Lambda::Function', 'ScimDirectorySyncJournalSweeperFunction');

    it('runs every minute, on a schedule that targets it alone', () => {
      const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) => (rule['Properties'] as { ScheduleExpression?: string }).ScheduleExpression !== undefined);
      expect(rules).toHaveLength(1);
      const properties = rules[0]?.['Properties'] as { ScheduleExpression: string; Targets: Array<{ Arn: unknown }> };
      expect(properties.ScheduleExpression).toBe('rate(1 minute)');
      expect(properties.Targets.map((target) => target.Arn)).toEqual([{ 'Fn::GetAtt': [sweeperFunction(), 'Arn'] }]);
      const invoke = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter(
        (permission) => (permission['Properties'] as { Principal?: string }).Principal === 'events.amazonaws.com',
      );
      expect(invoke.map((permission) => (permission['Properties'] as { FunctionName: unknown }).FunctionName)).toContainEqual({ 'Fn::GetAtt': [sweeperFunction(), 'Arn'] });
    });

    it('queries gsi1, and reads and writes items of directory partitions only: no scan, no batch write, no secrets, no events', () => {
      const statements = statementsOfRole(template, sweeperRole());
      const actions = actionsOfRole(template, sweeperRole());
      for (const forbidden of ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'events:PutEvents']) expect(actions).not.toContain(forbidden);
      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      const index = statements.filter((s) => JSON.stringify(s.resources).includes('/index/'));
      expect(index).toHaveLength(1);
      expect(index[0]?.actions).toEqual(['dynamodb:Query']);
      expect(index[0]?.resources).toEqual([{ 'Fn::Join': ['', [tableArn(), '/index/gsi1']] }]);
      const items = statements.filter((s) => s.actions.includes('dynamodb:UpdateItem'));
      expect(items).toHaveLength(1);
      // Query here is a group's members, read to end them before the group is deleted.
      expect(items[0]?.actions.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
      expect(items[0]?.resources).toEqual([tableArn()]);
      expect((items[0]?.condition as Record<string, unknown>)['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['DIR#*'] });
    });
  });

  describe('stream fan-out', () => {
    it('reads the table stream in order, with bisection, retries, age limit and a dead-letter queue', () => {
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'ScimDirectorySyncStreamDeadLetterQueue');
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId('StreamFanout') },
        EventSourceArn: { 'Fn::GetAtt': [tableId(), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        // Above the fan-out's own parking bound (3 failed invocations), and an hour inside the stream's 24-hour retention.
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 23 * 3600,
        ParallelizationFactor: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
      });
    });

    it('is invoked only for items whose entity (new or old image) is a user, group, membership or directory', () => {
      const mapping = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'))[0]!;
      const filters = (mapping['Properties'] as { FilterCriteria: { Filters: Array<{ Pattern: string }> } }).FilterCriteria
        .Filters;
      const patterns = filters.map((f) => JSON.parse(f.Pattern));
      const entities = ['user', 'group', 'membership', 'directory'];
      expect(patterns).toEqual([
        { dynamodb: { NewImage: { entity: { S: entities } } } },
        { dynamodb: { OldImage: { entity: { S: entities } } } },
      ]);
    });

    it('parks failures in an encrypted queue that refuses plain HTTP', () => {
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('events', () => {
    it('creates a bus with an archive of its events for a year', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.hasResourceProperties('AWS::Events::Archive', {
        RetentionDays: 365,
        EventPattern: { source: ['scim-directory-sync'] },
      });
    });

    it('creates the schema registry', () => {
      template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    });
  });

  describe('observability', () => {
    const alarms = () =>
      Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) => a['Properties'] as Record<string, unknown>);
    const byMetric = (metricName: string) => alarms().filter((a) => a['MetricName'] === metricName);
    /** Alarms on a metric math expression that reads `metricName`. */
    const byExpressionOver = (metricName: string) =>
      alarms().filter((a) => JSON.stringify(a['Metrics'] ?? '').includes(`"MetricName":"${metricName}"`));

    it('alarms on the API 5xx share and p99 latency, and on errors, throttles and durations of each function', () => {
      const api5xx = byExpressionOver('5XXError');
      expect(api5xx).toHaveLength(1);
      expect(api5xx[0]).toMatchObject({ Threshold: 0.01, ComparisonOperator: 'GreaterThanThreshold' });
      expect(JSON.stringify(api5xx[0]!['Metrics'])).toContain('IF(FILL(f, 0) >= 3, FILL(f, 0) / FILL(a, 1), 0)');
      expect(byMetric('Latency')).toEqual([
        expect.objectContaining({ Namespace: 'AWS/ApiGateway', ExtendedStatistic: 'p99', Threshold: 3000, EvaluationPeriods: 3 }),
      ]);
      // One error at low traffic is not a page: a share, and at least three errors.
      const errors = byExpressionOver('Errors');
      expect(errors).toHaveLength(FUNCTIONS.length);
      for (const alarm of errors) expect(JSON.stringify(alarm['Metrics'])).toContain('"MetricName":"Invocations"');
      expect(byMetric('Throttles')).toHaveLength(FUNCTIONS.length);
      const durations = byMetric('Duration');
      expect(durations.map((a) => a['Threshold']).sort((x, y) => Number(x) - Number(y))).toEqual([12000, 12000, 20000, 20000, 48000, 240000]);
      for (const alarm of durations) expect(alarm).toMatchObject({ ExtendedStatistic: 'p99', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
      expect(byMetric('IteratorAge')).toEqual([expect.objectContaining({ Threshold: 300000, Statistic: 'Maximum' })]);
      expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(2);
      expect(byExpressionOver('WriteThrottleEvents')).toHaveLength(1);
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });

    it('counts the stream records the fan-out parks from its log lines, and alarms on the first', () => {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: logicalId(template, 'AWS::Logs::LogGroup', 'ScimDirectorySyncStreamFanoutFunctionLogs') },
        FilterPattern: '{ $.message = "stream record parked" }',
        MetricTransformations: [
          { MetricNamespace: 'ScimDirectorySync', MetricName: 'ParkedStreamRecords', MetricValue: '1', Dimensions: [{ Key: 'FunctionName', Value: '$.function_name' }], Unit: 'Count' },
        ],
      });
      expect(byMetric('ParkedStreamRecords')).toEqual([
        expect.objectContaining({ Namespace: 'ScimDirectorySync', Statistic: 'Sum', Threshold: 0, Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId('StreamFanout') } }] }),
      ]);
    });

    it('sends every alarm and recovery to the alarm topic it creates, and outputs the topic', () => {
      const topic = { Ref: logicalId(template, 'AWS::SNS::Topic', 'ScimDirectorySyncAlarmTopic') };
      template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topic], OKActions: [topic] });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      expect(template.toJSON()['Outputs']['AlarmTopicArn']).toEqual({ Description: expect.any(String), Value: topic });
    });

    it('traces every function and the API stage with X-Ray', () => {
      template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
      template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
    });
  });
});

describe('ScimDirectorySync (props)', () => {
  it('sends every alarm and recovery to the alarm topic', () => {
    const app = testApp();
    const stack = new Stack(app, 'Props');
    const topic = new sns.Topic(stack, 'Ops');
    new ScimDirectorySync(stack, 'Scim', { alarmTopic: topic });
    const template = Template.fromStack(stack);
    const topicRef = { Ref: logicalId(template, 'AWS::SNS::Topic', 'Ops') };
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicRef], OKActions: [topicRef] });
  });

  it('publishes on an existing bus without creating a bus or an archive', () => {
    const app = testApp();
    const stack = new Stack(app, 'Props');
    const bus = events.EventBus.fromEventBusName(stack, 'HostBus', 'host-app-bus');
    new ScimDirectorySync(stack, 'Scim', { eventBus: bus, eventSource: 'hero.scim' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::Events::Archive', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: 'host-app-bus', EVENT_SOURCE: 'hero.scim' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'events:PutEvents',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':event-bus/host-app-bus$')])],
            },
          }),
        ]),
      },
    });
  });

  it('uses a customer-managed key for token secrets only through Secrets Manager', () => {
    const app = testApp();
    const stack = new Stack(app, 'Props');
    const key = new kms.Key(stack, 'TokenKey', { enableKeyRotation: true });
    new ScimDirectorySync(stack, 'Scim', { tokenSecretKey: key, tokenSecretPrefix: 'hero/scim/' });
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'TokenKey'), 'Arn'] };
    const adminRole = logicalId(template, 'AWS::IAM::Role', 'ScimAdminFunctionRole');
    const usersRole = logicalId(template, 'AWS::IAM::Role', 'ScimUsersFunctionRole');
    const kmsOf = (role: string) => statementsOfRole(template, role).filter((s) => s.actions.some((a) => a.startsWith('kms:')));
    expect(kmsOf(adminRole)).toEqual([
      {
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [keyArn],
        condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      },
    ]);
    expect(kmsOf(usersRole).flatMap((s) => s.actions)).toEqual(['kms:Decrypt']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TOKEN_SECRET_PREFIX: 'hero/scim/', TOKEN_SECRET_KMS_KEY_ID: keyArn }) },
    });
  });

  it('can be destroyed with the stack when asked', () => {
    const app = testApp();
    const stack = new Stack(app, 'Props');
    new ScimDirectorySync(stack, 'Scim', { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false });
    Template.fromStack(stack).hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
  });

  it('passes activityRetention to every function that records activity, and refuses part days or more than ten years', () => {
    const stack = new Stack(testApp(), 'Props');
    new ScimDirectorySync(stack, 'Scim', { activityRetention: Duration.days(90) });
    const template = Template.fromStack(stack);
    const functions = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).map(
      (fn) => (fn['Properties'] as { Environment?: { Variables?: Record<string, unknown> }; Description?: string }),
    );
    const withRetention = functions.filter((fn) => fn.Environment?.Variables?.['ACTIVITY_RETENTION_DAYS'] === '90');
    expect(withRetention).toHaveLength(5);
    expect(() => new ScimDirectorySync(new Stack(testApp(), 'P1'), 'A', { activityRetention: Duration.hours(36) })).toThrow();
    expect(() => new ScimDirectorySync(new Stack(testApp(), 'P2'), 'A', { activityRetention: Duration.days(4000) })).toThrow(/activityRetention/);
  });

  it('rejects a token cache TTL above 60 s and a prefix Secrets Manager would refuse', () => {
    const stack = new Stack(testApp(), 'Props');
    expect(() => new ScimDirectorySync(stack, 'A', { tokenCacheTtlSeconds: 61 })).toThrow(/0 to 60/);
    expect(() => new ScimDirectorySync(stack, 'B', { tokenSecretPrefix: 'bad prefix*' })).toThrow(/tokenSecretPrefix/);
    expect(() => new ScimDirectorySync(stack, 'C', { tokenSecretPrefix: 'scim' })).toThrow(/must end with/);
  });

  describe('event schemas', () => {
    let directory: string;
    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'event-schemas-'));
      for (const name of ['UserCreated', 'GroupMembershipAdded']) {
        writeFileSync(
          join(directory, `${name}.json`),
          JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', title: name, type: 'object' }),
        );
      }
      writeFileSync(join(directory, 'README.md'), 'not a schema');
    });
    afterAll(() => rmSync(directory, { recursive: true, force: true }));

    it('registers one schema per JSON file', () => {
      const stack = new Stack(testApp(), 'Props');
      new ScimDirectorySync(stack, 'Scim', { eventSchemasDirectory: directory });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EventSchemas::Schema', 2);
      template.hasResourceProperties('AWS::EventSchemas::Schema', {
        SchemaName: 'UserCreated',
        Type: 'JSONSchemaDraft4',
        Content: Match.stringLikeRegexp('"title":"UserCreated"'),
      });
    });

    it('creates no registry when told not to', () => {
      const stack = new Stack(testApp(), 'Props');
      new ScimDirectorySync(stack, 'Scim', { eventSchemasDirectory: false, eventArchiveRetention: Duration.days(30) });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EventSchemas::Registry', 0);
      template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30 });
    });
  });
});
