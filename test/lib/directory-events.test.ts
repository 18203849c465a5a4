import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import { logicalId, resourcesOfType, synthStack, testApp } from './synth.ts';

type Json = Record<string, unknown>;

describe('the event bus policy', () => {
  it('denies this service\'s source to every principal but the fan-out role and the admin function (redrive)', () => {
    const { template } = synthStack();
    const policies = Object.values(resourcesOfType(template, 'AWS::Events::EventBusPolicy')).map((resource) => resource['Properties'] as Json);
    expect(policies).toHaveLength(1);
    const fanoutRole = logicalId(template, 'AWS::IAM::Role', 'ScimDirectorySyncStreamFanoutFunctionRole');
    const adminRole = logicalId(template, 'AWS::IAM::Role', 'ScimDirectorySyncAdminFunctionRole');
    const bus = logicalId(template, 'AWS::Events::EventBus', 'ScimDirectorySyncEventsBus');
    expect(policies[0]).toEqual({
      EventBusName: { Ref: bus },
      StatementId: expect.stringContaining('OnlyThisServicePublishesItsSource') as string,
      Statement: {
        Sid: expect.stringContaining('OnlyThisServicePublishesItsSource') as string,
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [bus, 'Arn'] },
        Condition: {
          StringEquals: { 'events:source': 'scim-directory-sync' },
          ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [fanoutRole, 'Arn'] }, { 'Fn::GetAtt': [adminRole, 'Arn'] }] },
        },
      },
    });
  });

  it('leaves the policy of a bus it does not own alone', () => {
    const stack = new Stack(testApp(), 'OwnBus');
    const scim = new ScimDirectorySync(stack, 'Scim', { eventBus: events.EventBus.fromEventBusName(stack, 'Theirs', 'host-app-bus') });
    expect(resourcesOfType(Template.fromStack(stack), 'AWS::Events::EventBusPolicy')).toEqual({});
    expect(scim.events.restrictSourceTo(scim.streamFanoutFunction.role)).toBe(false);
  });
});

describe('the event archive', () => {
  it('takes a name, so that an erasure can replace it with an empty one', () => {
    const stack = new Stack(testApp(), 'Named');
    new ScimDirectorySync(stack, 'Scim', { eventArchiveName: 'scimds-events-2', eventArchiveRetention: Duration.days(30) });
    const archive = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::Events::Archive'))[0]?.['Properties'] as Json;
    expect(archive).toMatchObject({ ArchiveName: 'scimds-events-2', RetentionDays: 30 });
    expect(() => new ScimDirectorySync(new Stack(testApp(), 'BadName'), 'Scim', { eventArchiveName: 'no spaces' })).toThrow(/archiveName/);
  });
});
