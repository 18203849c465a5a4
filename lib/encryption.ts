/**
 * One customer-managed KMS key for everything the service stores: the table (and its stream), the
 * event bus and its archive, the queues, the log groups, the alarm topic and the token secrets.
 *
 * Services that write with the key on their own behalf need it in the key policy: CloudWatch Logs
 * (log groups), CloudWatch (alarm notifications to an encrypted topic) and EventBridge (the bus and
 * its archive). Lambda roles are granted by the construct.
 */
import { Annotations, ArnFormat, type CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** Adds the key policy statements CloudWatch Logs and CloudWatch alarms need, or warns where it cannot. */
export function allowServicesToUseKey(scope: Construct, key: kms.IKey): void {
  const stack = Stack.of(scope);
  const logGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const statements = [
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsUseOfTheKey',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroups } },
    }),
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  ];
  const added = statements.map((statement) => key.addToResourcePolicy(statement, true).statementAdded);
  if (added.includes(false)) {
    Annotations.of(scope).addWarningV2(
      'scim-directory-sync:imported-encryption-key',
      'encryptionKey is imported, so its key policy cannot be changed here: allow CloudWatch Logs and CloudWatch to use it (docs/deploy.md, "Encryption"), or the log groups and alarm notifications fail.',
    );
  }
}

/**
 * Encrypts the table (and its stream) with a customer-managed key. Written on the CloudFormation
 * resource because `TableV2` renders a replica's key only in a stack whose region is known at synth
 * time, and this stack is environment-agnostic; the one replica is the table itself.
 */
export function encryptTable(table: dynamodb.TableV2, key: kms.IKey): void {
  const resource = table.node.defaultChild as dynamodb.CfnGlobalTable;
  resource.addPropertyOverride('SSESpecification', { SSEEnabled: true, SSEType: 'KMS' });
  resource.addPropertyOverride('Replicas.0.SSESpecification', { KMSMasterKeyId: key.keyArn });
}

/**
 * Encrypts the bus and its archive with `key`. Not through their `kmsKey` props: those add key
 * policy statements naming the bus, while the bus names the key, a dependency cycle when the key
 * is in the same stack. The statements here name the account's buses by pattern instead.
 */
export function encryptEventBus(bus: events.EventBus, archive: events.Archive | undefined, key: kms.IKey): void {
  const stack = Stack.of(bus);
  const buses = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: '*' });
  (bus.node.defaultChild as CfnResource).addPropertyOverride('KmsKeyIdentifier', key.keyArn);
  if (archive !== undefined) (archive.node.defaultChild as CfnResource).addPropertyOverride('KmsKeyIdentifier', key.keyArn);
  const events = new iam.ServicePrincipal('events.amazonaws.com');
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'EventBridgeUseOfTheKey',
      principals: [events],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:events:event-bus:arn': buses } },
    }),
    true,
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({ sid: 'EventBridgeDescribeKey', principals: [events], actions: ['kms:DescribeKey'], resources: ['*'] }),
    true,
  );
}
