import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayMethodsOf, HOST_API_ROUTES, PORTAL_ROUTES, ROUTES, SCIM_FALLBACK_ROUTE, SCIM_ROUTES } from '../../functions/http/routes.ts';
import { GATEWAY_ERRORS, gatewayErrorTemplate, ScimApi } from '../../lib/scim-api.ts';
import { ScimDirectorySync } from '../../lib/scim-directory-sync.ts';
import { logicalId, resourcesOfType, synthStack, testApp } from './synth.ts';


type Json = Record<string, unknown>;

/** `METHOD /full/path` → logical id of the function its proxy integration invokes. */
function routes(template: Template): Map<string, string> {
  const apiResources = resourcesOfType(template, 'AWS::ApiGateway::Resource');
  const pathOf = (ref: unknown): string => {
    if (typeof ref === 'object' && ref !== null && 'Fn::GetAtt' in ref) return ''; // the root resource
    const id = (ref as { Ref: string }).Ref;
    const properties = apiResources[id]!['Properties'] as { ParentId: unknown; PathPart: string };
    return `${pathOf(properties.ParentId)}/${properties.PathPart}`;
  };
  const result = new Map<string, string>();
  for (const method of Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method'))) {
    const properties = method['Properties'] as {
      HttpMethod: string;
      ResourceId: unknown;
      Integration: { Type: string; IntegrationHttpMethod: string; Uri: unknown };
    };
    expect(properties.Integration.Type).toBe('AWS_PROXY');
    expect(properties.Integration.IntegrationHttpMethod).toBe('POST');
    const uri = JSON.stringify(properties.Integration.Uri);
    const fn = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/.exec(uri)?.[1] ?? 'unknown';
    result.set(`${properties.HttpMethod} ${pathOf(properties.ResourceId)}`, fn);
  }
  return result;
}

describe('ScimApi', () => {
  let template: Template;
  const fnId = (name: string) => logicalId(template, 'AWS::Lambda::Function', `ScimDirectorySync${name}Function`);

  beforeAll(() => {
    template = synthStack().template;
  });

  it('routes every SCIM endpoint, with every method, to its function, every other spelling to the fallback, and nothing else', () => {
    const base = '/scim/v2/{directoryId}';
    const expected = new Map<string, string>();
    // Every method: the function answers 405 with Allow for a method its route does not serve.
    for (const collection of ['Users', 'Groups'] as const) {
      expected.set(`ANY ${base}/${collection}`, fnId(collection));
      expected.set(`ANY ${base}/${collection}/{id}`, fnId(collection));
    }
    for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/ResourceTypes/{name}', '/Schemas', '/Schemas/{urn}']) {
      expected.set(`ANY ${base}${path}`, fnId('Discovery'));
    }
    expected.set(`ANY ${base}/{proxy+}`, fnId('ScimFallback'));
    for (const route of HOST_API_ROUTES) {
      for (const method of route.methods) expected.set(`${method} ${route.resource}`, fnId('DirectoryApi'));
    }
    for (const route of PORTAL_ROUTES) {
      for (const method of route.methods) expected.set(`${method} ${route.resource}`, fnId('Portal'));
    }
    expect(Object.fromEntries(routes(template))).toEqual(Object.fromEntries(expected));
  });

  it('lets API Gateway invoke each function only for its own methods of this API', () => {
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission'))
      .map((p) => p['Properties'] as { Principal: string; SourceArn: unknown; FunctionName: unknown })
      // The member-journal sweeper's schedule (its own test says it invokes that function only).
      .filter((p) => p.Principal !== 'events.amazonaws.com');
    expect(permissions).toHaveLength(SCIM_ROUTES.length + 1 + [...HOST_API_ROUTES, ...PORTAL_ROUTES].flatMap((route) => route.methods).length);
    for (const permission of permissions) {
      expect(permission.Principal).toBe('apigateway.amazonaws.com');
      // Scoped to stage, method and path: no `*/*` for the whole API; any method only on a SCIM path.
      const sourceArn = JSON.stringify(permission.SourceArn);
      expect(sourceArn).toMatch(/"\/",\{"Ref":"[A-Za-z0-9]+"\},"\/(GET|POST|PUT|PATCH|DELETE|\*)\/(scim\/v2|api\/v1|portal)(\/|")/);
      if (sourceArn.includes('"/*/')) expect(sourceArn).toMatch(/"\/\*\/scim\/v2\/\*\//);
    }
  });

  it('throttles the stage and writes JSON access logs without any header', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 200,
          ThrottlingBurstLimit: 400,
          DataTraceEnabled: false,
          LoggingLevel: 'OFF',
        }),
      ],
    });
    const stage = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Stage'))[0]!['Properties'] as {
      AccessLogSetting: { Format: string; DestinationArn: unknown };
    };
    const format = JSON.parse(stage.AccessLogSetting.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      httpMethod: '$context.httpMethod',
      path: '$context.path',
      status: '$context.status',
      sourceIp: '$context.identity.sourceIp',
    });
    expect(stage.AccessLogSetting.Format.toLowerCase()).not.toContain('authorization');
    expect(stage.AccessLogSetting.Format).not.toContain('$input');
    expect(stage.AccessLogSetting.Format).not.toContain('header');
  });

  it('renders every gateway-generated error as a SCIM error with application/scim+json', () => {
    const responses = Object.values(resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse')).map(
      (r) => r['Properties'] as Json,
    );
    const types = responses.map((r) => r['ResponseType']);
    for (const type of [
      'DEFAULT_4XX',
      'DEFAULT_5XX',
      'MISSING_AUTHENTICATION_TOKEN',
      'REQUEST_TOO_LARGE',
      'THROTTLED',
      'INTEGRATION_TIMEOUT',
      'UNSUPPORTED_MEDIA_TYPE',
      'WAF_FILTERED',
    ]) {
      expect(types).toContain(type);
    }
    expect(responses).toHaveLength(GATEWAY_ERRORS.length);
    for (const response of responses) {
      expect(response['ResponseParameters']).toEqual({
        'gatewayresponse.header.Content-Type': "'application/scim+json'",
      });
      const templates = response['ResponseTemplates'] as Record<string, string>;
      expect(Object.keys(templates).sort()).toEqual(['application/json', 'application/scim+json']);
      const body = JSON.parse(templates['application/json']!) as Json;
      expect(body['schemas']).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect(body['status']).toMatch(/^[45]\d\d$/);
      expect(body['detail']).toContain('$context.requestId');
      if (response['StatusCode'] !== undefined) expect(body['status']).toBe(response['StatusCode']);
    }
    const status = (type: string) =>
      JSON.parse(
        (responses.find((r) => r['ResponseType'] === type)!['ResponseTemplates'] as Record<string, string>)['application/json']!,
      )['status'];
    expect(status('THROTTLED')).toBe('429');
    expect(status('REQUEST_TOO_LARGE')).toBe('413');
    expect(status('INTEGRATION_TIMEOUT')).toBe('504');
    // An unknown route is a 404 for a SCIM client, not API Gateway's 403.
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
    });
  });

  it('writes gateway error bodies that stay valid JSON once the request id is substituted', () => {
    const body = gatewayErrorTemplate('429', 'Too many requests').replace('$context.requestId', 'c0ffee-42');
    expect(JSON.parse(body)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '429',
      detail: 'Too many requests (request c0ffee-42)',
    });
  });

  it('has a web ACL in front of the stage by default (its rules: test/lib/web-acl.test.ts)', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

describe('ScimApi (props)', () => {
  it('serves a custom domain with TLS 1.2, an alias record, and the domain in the Tenant URL', () => {
    const stack = new Stack(testApp(), 'Domain');
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123', zoneName: 'example.com' });
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
    );
    const scim = new ScimDirectorySync(stack, 'Scim', {
      customDomain: { domainName: 'scim.example.com', certificate, hostedZone: zone },
      throttling: { rateLimit: 50, burstLimit: 100 },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'scim.example.com',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'scim.example.com.', Type: 'A' });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })],
    });
    expect(scim.tenantUrlBase).toBe('https://scim.example.com/scim/v2');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SCIM_BASE_URL: 'https://scim.example.com/scim/v2' }) },
    });
  });

  it('puts a WAF web ACL with rate rules and AWS managed rule groups in front of the stage', () => {
    const stack = new Stack(testApp(), 'Waf');
    new ScimDirectorySync(stack, 'Scim', { webAcl: { rateLimitPerFiveMinutes: 2000 } });
    const template = Template.fromStack(stack);
    const acl = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACL'))[0]!['Properties'] as {
      Scope: string;
      Rules: Array<{ Name: string; Statement: Json }>;
    };
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.Rules.map((r) => r.Name)).toEqual([
      'RateLimitPerDirectory',
      'RateLimitPerIp',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]);
    expect(acl.Rules[1]!.Statement).toMatchObject({ RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } });
    expect(acl.Rules[2]!.Statement).toMatchObject({
      ManagedRuleGroupStatement: {
        VendorName: 'AWS',
        RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
      },
    });
    const stageId = logicalId(template, 'AWS::ApiGateway::Stage', 'ScimApiRestApiDeploymentStage');
    const association = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACLAssociation'))[0]!['Properties'] as Json;
    expect(JSON.stringify(association['ResourceArn'])).toContain(stageId);
  });
});

describe('ScimApi (three doors)', () => {
  /** A stack with an API whose five endpoints each have their own stand-in function. */
  function threeDoors(): Template {
    const stack = new Stack(testApp(), 'Doors');
    const fn = (id: string) =>
      new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
    new ScimApi(stack, 'Api', {
      usersFunction: fn('Users'),
      groupsFunction: fn('Groups'),
      discoveryFunction: fn('Discovery'),
      scimFallbackFunction: fn('ScimFallback'),
      directoryApiFunction: fn('DirectoryApi'),
      portalFunction: fn('Portal'),
      accessLogRemovalPolicy: RemovalPolicy.DESTROY,
    });
    return Template.fromStack(stack);
  }

  it('creates a method for every route of the table, each with its door\'s authorisation', () => {
    const template = threeDoors();
    const authorizations = new Map<string, string>();
    const apiResources = resourcesOfType(template, 'AWS::ApiGateway::Resource');
    const pathOf = (ref: unknown): string => {
      if (typeof ref === 'object' && ref !== null && 'Fn::GetAtt' in ref) return '';
      const properties = apiResources[(ref as { Ref: string }).Ref]!['Properties'] as { ParentId: unknown; PathPart: string };
      return `${pathOf(properties.ParentId)}/${properties.PathPart}`;
    };
    for (const method of Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method'))) {
      const properties = method['Properties'] as { HttpMethod: string; ResourceId: unknown; AuthorizationType: string };
      authorizations.set(`${properties.HttpMethod} ${pathOf(properties.ResourceId)}`, properties.AuthorizationType);
    }
    const expected = new Map<string, string>();
    for (const route of ROUTES) {
      for (const method of gatewayMethodsOf(route)) expected.set(`${method} ${route.resource}`, route.authorization === 'iam' ? 'AWS_IAM' : 'NONE');
    }
    expect(Object.fromEntries(authorizations)).toEqual(Object.fromEntries(expected));
  });

  it('requires IAM on every /api/v1 route and on no SCIM or portal route', () => {
    const template = threeDoors();
    const methods = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method')).map((m) => m['Properties'] as { AuthorizationType: string });
    const iam = methods.filter((m) => m.AuthorizationType === 'AWS_IAM');
    expect(iam).toHaveLength(HOST_API_ROUTES.flatMap((route) => route.methods).length);
    expect(HOST_API_ROUTES.every((route) => route.resource.startsWith('/api/v1/') && route.authorization === 'iam')).toBe(true);
    expect([...SCIM_ROUTES, SCIM_FALLBACK_ROUTE].every((route) => route.authorization === 'none')).toBe(true);
    expect(PORTAL_ROUTES.map((route) => `${route.resource} ${route.methods.join(',')}`)).toEqual(['/portal GET,POST', '/portal/{proxy+} GET,POST']);
  });

});
