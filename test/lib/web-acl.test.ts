import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ERROR_SCHEMA } from '../../functions/core/error.ts';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import { DEFAULT_RATE_LIMITS, RATE_LIMITED_RETRY_AFTER_SECONDS } from '../../lib/web-acl.ts';
import { logicalId, resourcesOfType, synthStack, testApp } from './synth.ts';

type Json = Record<string, unknown>;

interface WebAclProperties {
  Rules: Array<{ Name: string; Priority: number; Action?: Json; Statement: Json }>;
  CustomResponseBodies: Record<string, { ContentType: string; Content: string }>;
  DataProtectionConfig: { DataProtections: Array<{ Action: string; Field: { FieldType: string; FieldKeys?: string[] } }> };
}

function webAclOf(stack: Stack): WebAclProperties | undefined {
  const acls = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::WAFv2::WebACL'));
  return acls[0]?.['Properties'] as WebAclProperties | undefined;
}

describe('the web ACL', () => {
  const { stack, template } = synthStack();
  const acl = webAclOf(stack) as WebAclProperties;

  it('is on by default, in front of the stage, with the rate rules before the managed rules', () => {
    expect(acl.Rules.map((rule) => [rule.Priority, rule.Name])).toEqual([
      [0, 'RateLimitPerDirectory'],
      [1, 'RateLimitPerIp'],
      [2, 'AWSManagedRulesCommonRuleSet'],
      [3, 'AWSManagedRulesKnownBadInputsRuleSet'],
      [4, 'AWSManagedRulesAmazonIpReputationList'],
    ]);
    const association = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACLAssociation'))[0]?.['Properties'] as Json;
    expect(JSON.stringify(association['ResourceArn'])).toContain(logicalId(template, 'AWS::ApiGateway::Stage', 'ScimDirectorySyncApiRestApiDeploymentStage'));
  });

  it('limits each bearer token on the SCIM routes, which is each directory', () => {
    const rule = acl.Rules.find((r) => r.Name === 'RateLimitPerDirectory');
    expect(rule?.Statement).toEqual({
      RateBasedStatement: {
        Limit: DEFAULT_RATE_LIMITS.directoryPerFiveMinutes,
        EvaluationWindowSec: 300,
        AggregateKeyType: 'CUSTOM_KEYS',
        CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
        ScopeDownStatement: {
          ByteMatchStatement: {
            FieldToMatch: { UriPath: {} },
            PositionalConstraint: 'CONTAINS',
            SearchString: '/scim/v2/',
            TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }],
          },
        },
      },
    });
    const ip = acl.Rules.find((r) => r.Name === 'RateLimitPerIp');
    expect(ip?.Statement).toEqual({ RateBasedStatement: { Limit: DEFAULT_RATE_LIMITS.ipPerFiveMinutes, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } });
  });

  it('answers a limited client 429 with a SCIM error body and Retry-After', () => {
    for (const name of ['RateLimitPerDirectory', 'RateLimitPerIp']) {
      const action = acl.Rules.find((r) => r.Name === name)?.Action as { Block: { CustomResponse: { ResponseCode: number; CustomResponseBodyKey: string; ResponseHeaders: Json[] } } };
      const response = action.Block.CustomResponse;
      expect(response.ResponseCode).toBe(429);
      expect(response.ResponseHeaders).toEqual([{ Name: 'Retry-After', Value: String(RATE_LIMITED_RETRY_AFTER_SECONDS) }]);
      const body = acl.CustomResponseBodies[response.CustomResponseBodyKey];
      expect(body?.ContentType).toBe('APPLICATION_JSON');
      // RFC 7644 §3.12: the status as a string, no scimType for 429.
      expect(JSON.parse(body?.Content ?? '')).toEqual({ schemas: [ERROR_SCHEMA], status: '429', detail: expect.stringMatching(/retry later/) as string });
    }
  });

  it('keeps bearer tokens, cookies and SCIM filters out of sampled requests and WAF logs', () => {
    expect(acl.DataProtectionConfig.DataProtections).toEqual([
      { Action: 'SUBSTITUTION', Field: { FieldType: 'SINGLE_HEADER', FieldKeys: ['authorization'] } },
      { Action: 'SUBSTITUTION', Field: { FieldType: 'SINGLE_COOKIE' } },
      { Action: 'SUBSTITUTION', Field: { FieldType: 'QUERY_STRING' } },
    ]);
  });

  it('takes both limits as props, and refuses one WAF would refuse', () => {
    const stack = new Stack(testApp(), 'Limits');
    new ScimDirectorySync(stack, 'Scim', { webAcl: { directoryRateLimitPerFiveMinutes: 50_000, rateLimitPerFiveMinutes: 100_000 } });
    const limits = webAclOf(stack)?.Rules.slice(0, 2).map((rule) => (rule.Statement['RateBasedStatement'] as { Limit: number }).Limit);
    expect(limits).toEqual([50_000, 100_000]);
    expect(() => new ScimDirectorySync(new Stack(testApp(), 'TooLow'), 'Scim', { webAcl: { directoryRateLimitPerFiveMinutes: 5 } })).toThrow(/directoryRateLimitPerFiveMinutes/);
  });

  it('can be turned off, leaving the stage throttle alone', () => {
    const stack = new Stack(testApp(), 'NoWaf');
    new ScimDirectorySync(stack, 'Scim', { webAcl: false });
    expect(webAclOf(stack)).toBeUndefined();
  });
});
