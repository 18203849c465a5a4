/**
 * What `cdk synth` and cdk-nag do not catch before a first deploy: the account-level API Gateway
 * logging role, an alarm topic, concurrency bounds, two deployments in one account, regions without
 * the schema registry, and one customer-managed key for everything stored.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { resolveConcurrency, totalReserved } from '../../lib/concurrency.ts';
import { SCHEMA_REGISTRY_REGIONS } from '../../lib/regions.ts';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import { DEFAULT_STACK_NAME, ScimDirectorySyncStack } from '../../lib/scim-directory-sync-stack.ts';
import { actionsOfRole, logicalId, resourcesOfType, statementsOfRole, synthStack, testApp } from './synth.ts';


type Json = Record<string, unknown>;
const propertiesOf = (template: Template, type: string) => Object.values(resourcesOfType(template, type)).map((r) => r['Properties'] as Json);

describe('first deploy in a fresh account', () => {
  it('sets API Gateway\'s account-level CloudWatch Logs role, retained, before the stage that logs', () => {
    const { template } = synthStack();
    const account = logicalId(template, 'AWS::ApiGateway::Account', 'ScimDirectorySyncApiRestApiAccount');
    const role = logicalId(template, 'AWS::IAM::Role', 'ScimDirectorySyncApiRestApiCloudWatchRole');
    template.hasResource('AWS::ApiGateway::Account', {
      Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [role, 'Arn'] } },
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::IAM::Role', {
      Properties: Match.objectLike({
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::ApiGateway::Stage', {
      Properties: Match.objectLike({ AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }) }),
      DependsOn: Match.arrayWith([account]),
    });
  });

  it('leaves an existing account setting alone when asked', () => {
    const { template } = synthStack({ scim: { apiGatewayCloudWatchRole: false } });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('alarms that notify someone', () => {
  it('subscribes an e-mail address to the alarm topic when one is given', () => {
    const { template } = synthStack({ scim: { alarmEmail: 'ops@example.com' } });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: logicalId(template, 'AWS::SNS::Topic', 'ScimDirectorySyncAlarmTopic') },
    });
    // Only HTTPS publishers.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('concurrency', () => {
  const reserved = (template: Template) =>
    Object.fromEntries(
      Object.entries(resourcesOfType(template, 'AWS::Lambda::Function')).map(([id, r]) => [
        /ScimDirectorySync([A-Za-z]+?)Function/.exec(id)?.[1],
        (r['Properties'] as Json)['ReservedConcurrentExecutions'],
      ]),
    );

  it('bounds every function, the API ones from the stage throttle, leaving most of the default quota free', () => {
    expect(reserved(synthStack().template)).toEqual({ Users: 100, Groups: 100, Discovery: 20, ScimFallback: 20, DirectoryApi: 20, Admin: 5, StreamFanout: 10, Portal: 5 });
    expect(totalReserved(resolveConcurrency({ rateLimit: 200, burstLimit: 400 }))).toBe(280);
    expect(reserved(synthStack({ scim: { throttling: { rateLimit: 50, burstLimit: 100 } } }).template)).toMatchObject({
      Users: 25,
      Groups: 25,
      Discovery: 5,
      ScimFallback: 5,
    });
  });

  it('reserves nothing when told to (accounts with a small concurrency quota)', () => {
    expect(Object.values(reserved(synthStack({ scim: { concurrency: false } }).template))).toEqual([
      undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
    ]);
    expect(() => resolveConcurrency({ rateLimit: 200, burstLimit: 400 }, { adminFunction: 0 })).toThrow(/at least 1/);
  });

  it('parks failed background work of the admin function in a queue that raises an alarm', () => {
    const { template } = synthStack();
    const queue = logicalId(template, 'AWS::SQS::Queue', 'ScimDirectorySyncAdminFailureQueue');
    const admin = logicalId(template, 'AWS::Lambda::Function', 'ScimDirectorySyncAdminFunction');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: admin },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 0,
    });
  });
});

describe('two deployments in one account', () => {
  it('get disjoint API names, token-secret prefixes and IAM scopes', () => {
    const app = testApp();
    const stacks = ['ScimProd', 'ScimStaging'].map((id) => new ScimDirectorySyncStack(app, id));
    const views = stacks.map((stack) => {
      const template = Template.fromStack(stack);
      const api = propertiesOf(template, 'AWS::ApiGateway::RestApi')[0]!;
      const prefix = stack.scim.tokenSecretPrefix;
      const users = logicalId(template, 'AWS::IAM::Role', 'ScimDirectorySyncUsersFunctionRole');
      const secretResources = statementsOfRole(template, users)
        .filter((s) => s.actions.includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => s.resources);
      const apiNameOf5xx = JSON.stringify(propertiesOf(template, 'AWS::CloudWatch::Alarm').filter((a) => JSON.stringify(a).includes('5XXError')));
      return { name: api['Name'] as string, prefix, secretResources: JSON.stringify(secretResources), apiNameOf5xx };
    });
    const [prod, staging] = views as [(typeof views)[0], (typeof views)[0]];
    expect(prod.name).toMatch(/^ScimProd-/);
    expect(staging.name).toMatch(/^ScimStaging-/);
    // The 5xx alarm watches this deployment's API only.
    expect(prod.apiNameOf5xx).toContain(`"Value":"${prod.name}"`);
    expect(prod.apiNameOf5xx).not.toContain(staging.name);
    // Neither prefix covers the other's secrets: both end in "/" and differ before it.
    expect(prod.prefix.startsWith(staging.prefix) || staging.prefix.startsWith(prod.prefix)).toBe(false);
    expect(prod.secretResources).toContain(`:secret:${prod.prefix}*`);
    expect(prod.secretResources).not.toContain(staging.prefix);
    expect(staging.secretResources).toContain(`:secret:${staging.prefix}*`);
  });

  it('keeps the prefix every deployment shared before for the default-named stack, so its tokens keep working', () => {
    const stack = new ScimDirectorySyncStack(testApp(), DEFAULT_STACK_NAME);
    expect(stack.scim.tokenSecretPrefix).toBe('scim-directory-sync/tokens/');
    const custom = new ScimDirectorySyncStack(testApp(), DEFAULT_STACK_NAME, { scim: { tokenSecretPrefix: 'hero/scim/' } });
    expect(custom.scim.tokenSecretPrefix).toBe('hero/scim/');
  });
});

describe('regions', () => {
  const synthIn = (region: string, props = {}) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    return Template.fromStack(new ScimDirectorySyncStack(app, 'Scim', { env: { account: '111111111111', region }, scim: props }));
  };

  it('creates the schema registry in a region that has it', () => {
    const template = synthIn('eu-west-1');
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    expect(Object.keys(resourcesOfType(template, 'AWS::EventSchemas::Schema')).length).toBeGreaterThan(10);
    template.resourceCountIs('AWS::Events::Archive', 1);
    expect(template.toJSON()['Conditions']).toBeUndefined();
  });

  it('leaves the registry out where the region lacks it (ap-south-2), and the archive where CloudFormation lacks it (mx-central-1)', () => {
    const hyderabad = synthIn('ap-south-2');
    hyderabad.resourceCountIs('AWS::EventSchemas::Registry', 0);
    hyderabad.resourceCountIs('AWS::EventSchemas::Schema', 0);
    hyderabad.resourceCountIs('AWS::Events::Archive', 1);
    const mexico = synthIn('mx-central-1');
    mexico.resourceCountIs('AWS::EventSchemas::Registry', 0);
    mexico.resourceCountIs('AWS::Events::Archive', 0);
    // Forced on or off by the prop.
    synthIn('ap-south-2', { eventSchemaRegistry: true }).resourceCountIs('AWS::EventSchemas::Registry', 1);
    synthIn('eu-west-1', { eventSchemaRegistry: false }).resourceCountIs('AWS::EventSchemas::Registry', 0);
  });

  it('lets CloudFormation decide from AWS::Region when the stack is environment-agnostic', () => {
    const { template } = synthStack();
    const registry = Object.values(resourcesOfType(template, 'AWS::EventSchemas::Registry'))[0]!;
    const conditionName = registry['Condition'] as string;
    for (const schema of Object.values(resourcesOfType(template, 'AWS::EventSchemas::Schema'))) expect(schema['Condition']).toBe(conditionName);
    const condition = JSON.stringify((template.toJSON()['Conditions'] as Json)[conditionName]);
    for (const region of SCHEMA_REGISTRY_REGIONS) expect(condition).toContain(`"${region}"`);
    expect(condition).not.toContain('"ap-south-2"');
    const archive = Object.values(resourcesOfType(template, 'AWS::Events::Archive'))[0]!;
    expect(JSON.stringify((template.toJSON()['Conditions'] as Json)[archive['Condition'] as string])).toContain('"mx-central-1"');
  });
});

describe('one encryption key', () => {
  it('encrypts the table, bus, archive, queues, log groups, alarm topic and token secrets with it', () => {
    const app = testApp();
    const stack = new Stack(app, 'Keyed');
    const key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });
    new ScimDirectorySync(stack, 'Scim', { encryptionKey: key });
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'DataKey'), 'Arn'] };
    const keyId = { Ref: logicalId(template, 'AWS::KMS::Key', 'DataKey') };

    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ SSESpecification: { KMSMasterKeyId: keyArn } })],
    });
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: keyArn });
    template.hasResourceProperties('AWS::Events::Archive', { KmsKeyIdentifier: keyArn });
    const queues = propertiesOf(template, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue['KmsMasterKeyId']).toEqual(keyArn);
    const logGroups = propertiesOf(template, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBe(10);
    for (const group of logGroups) expect(group['KmsKeyId']).toEqual(keyArn);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TOKEN_SECRET_KMS_KEY_ID: keyArn }) },
    });
    expect(keyId).toBeDefined();
    // The table is encrypted with the key, and every function reads the table.
    for (const roleId of Object.keys(resourcesOfType(template, 'AWS::IAM::Role')).filter((id) => /Function(Role|ServiceRole)/.test(id))) {
      expect(actionsOfRole(template, roleId), roleId).toContain('kms:Decrypt');
    }

    // The services that write with the key on their own behalf may use it.
    const keyPolicy = JSON.stringify(propertiesOf(template, 'AWS::KMS::Key')[0]!['KeyPolicy']);
    expect(keyPolicy).toContain('"kms:EncryptionContext:aws:logs:arn"');
    expect(keyPolicy).toContain('"cloudwatch.amazonaws.com"');
    expect(keyPolicy).toContain('"events.amazonaws.com"');
  });

  it('warns that an imported key needs its policy written by hand', () => {
    const stack = new Stack(testApp(), 'Imported');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000');
    new ScimDirectorySync(stack, 'Scim', { encryptionKey: key });
    const warnings = stack.node.root.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning'));
    expect(JSON.stringify(warnings)).toContain('allow CloudWatch Logs and CloudWatch to use it');
  });
});
