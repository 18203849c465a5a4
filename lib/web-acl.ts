/**
 * The WAF web ACL in front of the REST API's stage: per-directory and per-IP rate limits answered
 * with SCIM-shaped 429s, then AWS managed rule groups. Kept apart from the API's routes.
 *
 * Rate limiting lives here, not in the functions: a Lambda only sees its own requests, while WAF
 * counts across every execution environment and turns a flood away before it costs an invocation.
 */
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { ERROR_SCHEMA } from '../functions/core/error.ts';

/**
 * The WAF web ACL in front of the stage. Its two rate rules come first: one per bearer token on
 * the SCIM routes (so per directory) and one per client IP address; WAF answers requests over
 * either limit with 429 and a SCIM error body until the rate falls back under it.
 */
export interface ApiWebAcl {
  /**
   * AWS managed rule groups (names in the `AWS` vendor namespace).
   * @default ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList']
   */
  readonly managedRuleGroups?: readonly string[];
  /**
   * SCIM requests per five minutes carrying one bearer token before WAF answers 429. A token
   * belongs to one directory, so this is the directory's limit (twice it while a rotation keeps
   * two tokens live), and one busy directory cannot take the stage's whole rate from the others.
   * At least 10. @default 12,000 (40 requests/s on average, a fifth of the default stage rate)
   */
  readonly directoryRateLimitPerFiveMinutes?: number;
  /**
   * Requests per five minutes from one IP address, on every route, before WAF answers 429. This
   * bounds floods of made-up tokens or directory ids, which the per-token rule cannot (each one
   * is a new key). Identity providers send many tenants' traffic from shared addresses, so keep
   * it well above the per-directory limit. At least 10. @default 30,000 (100 requests/s on average)
   */
  readonly rateLimitPerFiveMinutes?: number;
}

/** Rate limits of the web ACL when none are given. */
export const DEFAULT_RATE_LIMITS = { directoryPerFiveMinutes: 12_000, ipPerFiveMinutes: 30_000 } as const;

/** What WAF answers a client over a rate limit (RFC 7644 §3.12 has 429 without a scimType). */
export const RATE_LIMITED_RESPONSES = {
  RateLimitedDirectory: 'Too many requests for this directory; retry later',
  RateLimitedClient: 'Too many requests from this address; retry later',
} as const;

/** Seconds a rate-limited client is told to wait: WAF re-checks rates within about a minute. */
export const RATE_LIMITED_RETRY_AFTER_SECONDS = 60;

/** Default managed rule groups of the optional web ACL. */
export const DEFAULT_MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
] as const;

/**
 * Creates the web ACL (`WebAcl`) in `scope` and associates it with `stage` (`WebAclAssociation`).
 *
 * @example
 * const webAcl = addWebAcl(this, api.deploymentStage, { directoryRateLimitPerFiveMinutes: 30_000 });
 */
export function addWebAcl(scope: Construct, stage: apigateway.Stage, options: ApiWebAcl): wafv2.CfnWebACL {
  for (const [name, limit] of [
    ['directoryRateLimitPerFiveMinutes', options.directoryRateLimitPerFiveMinutes],
    ['rateLimitPerFiveMinutes', options.rateLimitPerFiveMinutes],
  ] as const) {
    // WAF's own bounds of a rate limit.
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000)) {
      throw new Error(`webAcl.${name} must be a whole number from 10 to 2,000,000,000, not ${limit}`);
    }
  }
  // Over a limit: 429 with a SCIM error body (WAF's own content type; it sets no other).
  const rateLimited = (bodyKey: keyof typeof RATE_LIMITED_RESPONSES): wafv2.CfnWebACL.RuleActionProperty => ({
    block: {
      customResponse: {
        responseCode: 429,
        customResponseBodyKey: bodyKey,
        responseHeaders: [{ name: 'Retry-After', value: String(RATE_LIMITED_RETRY_AFTER_SECONDS) }],
      },
    },
  });
  const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
    cloudWatchMetricsEnabled: true,
    metricName,
    sampledRequestsEnabled: true,
  });
  // Rate rules first: a flood is turned away before the managed rules inspect it.
  const rules: wafv2.CfnWebACL.RuleProperty[] = [
    {
      name: 'RateLimitPerDirectory',
      priority: 0,
      action: rateLimited('RateLimitedDirectory'),
      statement: {
        rateBasedStatement: {
          limit: options.directoryRateLimitPerFiveMinutes ?? DEFAULT_RATE_LIMITS.directoryPerFiveMinutes,
          evaluationWindowSec: 300,
          // WAF cannot cut the directory id out of the path, and the whole path differs per
          // resource; the token is the one key that names exactly one directory. A request
          // without the header is not counted here (the function refuses it before any I/O)
          // but is by the per-IP rule.
          aggregateKeyType: 'CUSTOM_KEYS',
          customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
          // Only the SCIM routes carry bearer tokens (RFC 7644 §2).
          scopeDownStatement: {
            byteMatchStatement: {
              fieldToMatch: { uriPath: {} },
              positionalConstraint: 'CONTAINS',
              searchString: '/scim/v2/',
              textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
            },
          },
        },
      },
      visibilityConfig: visibility('RateLimitPerDirectory'),
    },
    {
      name: 'RateLimitPerIp',
      priority: 1,
      action: rateLimited('RateLimitedClient'),
      statement: {
        rateBasedStatement: {
          limit: options.rateLimitPerFiveMinutes ?? DEFAULT_RATE_LIMITS.ipPerFiveMinutes,
          evaluationWindowSec: 300,
          aggregateKeyType: 'IP',
        },
      },
      visibilityConfig: visibility('RateLimitPerIp'),
    },
  ];
  const managed = (options.managedRuleGroups ?? DEFAULT_MANAGED_RULE_GROUPS).map(
    (name, index): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority: rules.length + index,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          // The common rule set blocks bodies over 8 KB; a group PATCH adding many members is
          // larger than that, so that one rule only counts.
          ...(name === 'AWSManagedRulesCommonRuleSet'
            ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] }
            : {}),
        },
      },
      visibilityConfig: visibility(name),
    }),
  );
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('ScimApiWebAcl'),
    rules: [...rules, ...managed],
    customResponseBodies: Object.fromEntries(
      Object.entries(RATE_LIMITED_RESPONSES).map(([key, detail]) => [
        key,
        { contentType: 'APPLICATION_JSON', content: JSON.stringify({ schemas: [ERROR_SCHEMA], status: '429', detail }) },
      ]),
    ),
    // Sampled requests (and WAF logs, if an operator turns them on) would otherwise show bearer
    // tokens, portal session cookies and SCIM filters (which carry user names) in clear.
    dataProtectionConfig: {
      dataProtections: [
        { action: 'SUBSTITUTION', field: { fieldType: 'SINGLE_HEADER', fieldKeys: ['authorization'] } },
        { action: 'SUBSTITUTION', field: { fieldType: 'SINGLE_COOKIE' } },
        { action: 'SUBSTITUTION', field: { fieldType: 'QUERY_STRING' } },
      ],
    },
  });
  new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', { resourceArn: stage.stageArn, webAclArn: webAcl.attrArn });
  return webAcl;
}
