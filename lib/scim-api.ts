/**
 * The SCIM REST API: routes under `/scim/v2/{directoryId}`, Lambda proxy integrations, stage
 * throttling, JSON access logs, SCIM-shaped gateway errors, the optional custom domain, and the WAF
 * web ACL (lib/web-acl.ts).
 *
 * Why a REST API and not an HTTP API: see docs/decisions/api-gateway.md.
 */
import { Aws, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ERROR_SCHEMA } from '../functions/core/error.ts';
import { gatewayMethodsOf, NO_ROUTE_DETAIL, ROUTES, type Endpoint, type RouteAuthorization } from '../functions/http/routes.ts';
import { addWebAcl, type ApiWebAcl } from './web-acl.ts';

export { DEFAULT_MANAGED_RULE_GROUPS, DEFAULT_RATE_LIMITS, type ApiWebAcl } from './web-acl.ts';

/** Stage-wide throttling (API Gateway token bucket). */
export interface ApiThrottling {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Bucket size: how many requests may arrive at once. */
  readonly burstLimit: number;
}

/** Stage throttling when none is given. */
export const DEFAULT_THROTTLING: ApiThrottling = { rateLimit: 200, burstLimit: 400 };

/** A custom domain for the Tenant URL. */
export interface ApiCustomDomain {
  /** e.g. `scim.example.com`. */
  readonly domainName: string;
  /** ACM certificate for `domainName`, in the stack's region (regional endpoint). */
  readonly certificate: acm.ICertificate;
  /** When given, an alias record for `domainName` is created in this zone. */
  readonly hostedZone?: route53.IHostedZone;
}

/** Properties of a {@link ScimApi}. */
export interface ScimApiProps {
  readonly usersFunction: lambda.IFunction;
  readonly groupsFunction: lambda.IFunction;
  readonly discoveryFunction: lambda.IFunction;
  /**
   * Serves every other path below a Tenant URL, with any method (`{proxy+}`): endpoint names in
   * another letter case, and a SCIM 404 for paths no endpoint has.
   * @default no fallback route: other spellings get API Gateway's 404 (rendered as a SCIM error)
   */
  readonly scimFallbackFunction?: lambda.IFunction;
  /** Serves the host app's Directory API under `/api/v1` (IAM-authorised). @default no `/api/v1` routes */
  readonly directoryApiFunction?: lambda.IFunction;
  /** Serves the Admin Portal under `/portal` (checks its own session). @default no `/portal` routes */
  readonly portalFunction?: lambda.IFunction;
  /** @default 'v1' */
  readonly stageName?: string;
  /** @default { rateLimit: 200, burstLimit: 400 } */
  readonly throttling?: ApiThrottling;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
  /** @default none: the execute-api URL is the Tenant URL base */
  readonly customDomain?: ApiCustomDomain;
  /** The WAF web ACL with its rate rules; `false` for none (the stage throttle still applies). @default on, with the defaults of {@link ApiWebAcl} */
  readonly webAcl?: ApiWebAcl | false;
  /**
   * Name of the REST API, which is also the `ApiName` dimension of its metrics: it must differ
   * between deployments in one account and region, or their alarms and dashboards mix.
   * @default the construct's path with its stack name, e.g. `ScimDirectorySync-ScimDirectorySync-Api-1A2B3C4D`
   */
  readonly restApiName?: string;
  /**
   * Set API Gateway's account-level CloudWatch Logs role for this region (a role that may push to
   * CloudWatch Logs, and the `AWS::ApiGateway::Account` setting naming it). Access logging cannot be
   * turned on in a region where the setting was never made. `false` leaves the setting as it is.
   * @default true
   */
  readonly accountCloudWatchRole?: boolean;
  /** Active X-Ray tracing of the stage. @default true */
  readonly tracing?: boolean;
  /** Customer-managed key of the access log group. @default CloudWatch Logs' own encryption */
  readonly accessLogEncryptionKey?: kms.IKey;
}

/** The gateway-generated errors rendered as SCIM errors, with the status each one answers. */
interface GatewayError {
  readonly type: apigateway.ResponseType;
  readonly status: string;
  readonly detail: string;
  /** Overrides the HTTP status API Gateway would send. */
  readonly overrideStatus?: boolean;
}

/**
 * Every response type API Gateway generates itself, each with its own status so that the body's
 * `status` matches the HTTP status (RFC 7644 §3.12). The two DEFAULT types only catch response types
 * AWS adds later; their HTTP status is left as API Gateway chooses it.
 */
export const GATEWAY_ERRORS: readonly GatewayError[] = [
  { type: apigateway.ResponseType.DEFAULT_4XX, status: '400', detail: 'The request was rejected before it reached the service' },
  { type: apigateway.ResponseType.DEFAULT_5XX, status: '500', detail: 'The gateway failed to process the request' },
  // A REST API without authorizers answers an unknown path or method with this type and 403;
  // for a SCIM client that is a missing endpoint.
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: '404',
    detail: NO_ROUTE_DETAIL,
    overrideStatus: true,
  },
  { type: apigateway.ResponseType.RESOURCE_NOT_FOUND, status: '404', detail: NO_ROUTE_DETAIL },
  { type: apigateway.ResponseType.REQUEST_TOO_LARGE, status: '413', detail: 'The request body is too large' },
  { type: apigateway.ResponseType.THROTTLED, status: '429', detail: 'Too many requests; retry later' },
  { type: apigateway.ResponseType.QUOTA_EXCEEDED, status: '429', detail: 'Request quota exceeded; retry later' },
  { type: apigateway.ResponseType.INTEGRATION_TIMEOUT, status: '504', detail: 'The service did not answer in time' },
  { type: apigateway.ResponseType.INTEGRATION_FAILURE, status: '504', detail: 'The service could not be reached' },
  { type: apigateway.ResponseType.API_CONFIGURATION_ERROR, status: '500', detail: 'The gateway is misconfigured' },
  { type: apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE, status: '415', detail: 'Unsupported media type' },
  { type: apigateway.ResponseType.BAD_REQUEST_BODY, status: '400', detail: 'The request body is invalid' },
  { type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS, status: '400', detail: 'The request parameters are invalid' },
  { type: apigateway.ResponseType.WAF_FILTERED, status: '403', detail: 'The request was blocked by the firewall' },
  { type: apigateway.ResponseType.ACCESS_DENIED, status: '403', detail: 'Access denied' },
  { type: apigateway.ResponseType.UNAUTHORIZED, status: '401', detail: 'Authentication required' },
  { type: apigateway.ResponseType.EXPIRED_TOKEN, status: '403', detail: 'Authentication expired' },
  { type: apigateway.ResponseType.INVALID_SIGNATURE, status: '403', detail: 'Invalid request signature' },
  { type: apigateway.ResponseType.INVALID_API_KEY, status: '403', detail: 'Invalid API key' },
  { type: apigateway.ResponseType.AUTHORIZER_FAILURE, status: '500', detail: 'Authorization failed' },
  { type: apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: '500', detail: 'Authorization is misconfigured' },
];

/**
 * The body template of a gateway error. Gateway response templates only substitute `$context`
 * variables (no VTL logic), so the status is fixed per response type; the request id lets an
 * operator find the access log line.
 */
export function gatewayErrorTemplate(status: string, detail: string): string {
  return JSON.stringify({
    schemas: [ERROR_SCHEMA],
    status,
    detail: `${detail} (request $context.requestId)`,
  });
}

/** The access log line: no headers at all (so never `Authorization`), no query string, no body. */
function accessLogFormat(): apigateway.AccessLogFormat {
  const F = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: F.contextRequestId(),
      extendedRequestId: F.contextExtendedRequestId(),
      requestTime: F.contextRequestTimeEpoch(),
      sourceIp: F.contextIdentitySourceIp(),
      userAgent: F.contextIdentityUserAgent(),
      httpMethod: F.contextHttpMethod(),
      resourcePath: F.contextResourcePath(),
      path: F.contextPath(),
      protocol: F.contextProtocol(),
      status: F.contextStatus(),
      responseLength: F.contextResponseLength(),
      responseLatency: F.contextResponseLatency(),
      integrationLatency: F.contextIntegrationLatency(),
      integrationStatus: F.contextIntegrationStatus(),
      errorType: F.contextErrorResponseType(),
      errorMessage: F.contextErrorMessage(),
      wafStatus: F.contextWafStatus(),
    }),
  );
}

/**
 * The REST API of the service, built from the route table in functions/http/routes.ts.
 *
 * SCIM routes (RFC 7644 §3.2), all below `/scim/v2/{directoryId}`:
 * `/Users`, `/Users/{id}` and `/Groups`, `/Groups/{id}` go to their resource functions;
 * `/ServiceProviderConfig`, `/ResourceTypes[/{name}]`, `/Schemas[/{urn}]` (RFC 7644 §4) to discovery,
 * each with every method (the function answers 405 with `Allow` for the ones it does not serve);
 * every other path below the Tenant URL to the fallback function, when one is given.
 * When their functions are given, the host app's Directory API under `/api/v1` (IAM-authorised)
 * and the Admin Portal under `/portal` join them.
 */
export class ScimApi extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly accessLogGroup: logs.LogGroup;
  /** `https://…/scim/v2` — append `/<directoryId>` for a directory's Tenant URL. */
  readonly tenantUrlBase: string;
  readonly webAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ScimApiProps) {
    super(scope, id);
    const throttling = props.throttling ?? DEFAULT_THROTTLING;
    const stageName = props.stageName ?? 'v1';

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.accessLogEncryptionKey !== undefined ? { encryptionKey: props.accessLogEncryptionKey } : {}),
    });
    const accountCloudWatchRole = props.accountCloudWatchRole ?? true;

    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: 'SCIM 2.0 service provider (RFC 7644)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      restApiName: props.restApiName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      // Access logs need API Gateway's account-level CloudWatch Logs role: without it, creating the
      // stage fails ("CloudWatch Logs role ARN must be set in account settings to enable logging").
      // The role and the setting are retained with the stack's deletion, because the setting is
      // regional and other APIs of the account may log through it by then; the stage waits for it.
      cloudWatchRole: accountCloudWatchRole,
      ...(accountCloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
        // Execution logs and data tracing would write request details, tokens included, to CloudWatch.
        loggingLevel: apigateway.MethodLoggingLevel.OFF,
        dataTraceEnabled: false,
        metricsEnabled: false,
        tracingEnabled: props.tracing ?? true,
      },
    });

    for (const error of GATEWAY_ERRORS) {
      const template = gatewayErrorTemplate(error.status, error.detail);
      this.restApi.addGatewayResponse(`Gateway${error.type.responseType}`, {
        type: error.type,
        ...(error.overrideStatus ? { statusCode: error.status } : {}),
        responseHeaders: { 'Content-Type': "'application/scim+json'" },
        // The template is picked by the request's content type; SCIM clients send either.
        templates: { 'application/json': template, 'application/scim+json': template },
      });
    }

    this.addRoutes(props);
    this.acknowledgeChecks(props);

    if (props.customDomain !== undefined) {
      const domain = this.restApi.addDomainName('CustomDomain', {
        domainName: props.customDomain.domainName,
        certificate: props.customDomain.certificate,
        endpointType: apigateway.EndpointType.REGIONAL,
        securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      });
      if (props.customDomain.hostedZone !== undefined) {
        new route53.ARecord(this, 'CustomDomainAlias', {
          zone: props.customDomain.hostedZone,
          recordName: props.customDomain.domainName,
          target: route53.RecordTarget.fromAlias(new route53Targets.ApiGatewayDomain(domain)),
        });
      }
      this.tenantUrlBase = `https://${props.customDomain.domainName}/scim/v2`;
    } else {
      // Spelled out instead of `restApi.url`, which refers to the stage: the stage depends on the
      // functions (through the deployment), so functions given this URL would close a cycle.
      this.tenantUrlBase = `https://${this.restApi.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${stageName}/scim/v2`;
    }

    if (props.webAcl !== false) this.webAcl = addWebAcl(this, this.restApi.deploymentStage, props.webAcl ?? {});
  }

  private addRoutes(props: ScimApiProps): void {
    // Test invocations from the console would need a second permission per method.
    const integrate = (fn: lambda.IFunction) => new apigateway.LambdaIntegration(fn, { allowTestInvoke: false });
    const functions: Partial<Record<Endpoint, lambda.IFunction>> = {
      Users: props.usersFunction,
      Groups: props.groupsFunction,
      discovery: props.discoveryFunction,
      ...(props.scimFallbackFunction !== undefined ? { scimFallback: props.scimFallbackFunction } : {}),
      ...(props.directoryApiFunction !== undefined ? { directoryApi: props.directoryApiFunction } : {}),
      ...(props.portalFunction !== undefined ? { portal: props.portalFunction } : {}),
    };
    const integrations = new Map<Endpoint, apigateway.LambdaIntegration>();
    const authorizationTypes: Record<RouteAuthorization, apigateway.AuthorizationType> = {
      none: apigateway.AuthorizationType.NONE,
      iam: apigateway.AuthorizationType.IAM,
    };
    // One API Gateway resource per route of the shared table, so the local runtime serves the same
    // routes; an endpoint without a function gets no routes at all (API Gateway answers 404).
    for (const route of ROUTES) {
      const fn = functions[route.endpoint];
      if (fn === undefined) continue;
      let integration = integrations.get(route.endpoint);
      if (integration === undefined) {
        integration = integrate(fn);
        integrations.set(route.endpoint, integration);
      }
      const resource = this.restApi.root.resourceForPath(route.resource);
      for (const method of gatewayMethodsOf(route)) {
        resource.addMethod(method, integration, { authorizationType: authorizationTypes[route.authorization] });
      }
    }
  }

  /** Security checks (cdk-nag AwsSolutions) this design answers differently, each with its reason. */
  private acknowledgeChecks(props: ScimApiProps): void {
    const authorization =
      'Every SCIM request carries its directory\'s bearer token (RFC 7644 §2), which the function verifies against the hash in the directory\'s own Secrets Manager secret before anything else; identity providers such as Entra ID and Okta can send only such a static bearer token, not IAM signatures or Cognito tokens. The Admin Portal\'s pages check their own short-lived session cookie, opened by a single-use link. The host Directory API routes use IAM authorisation.';
    Validations.of(this.restApi).acknowledge(
      { id: 'AwsSolutions-APIG4', reason: authorization },
      { id: 'AwsSolutions-COG4', reason: authorization },
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Bodies are validated by the handlers against the SCIM schemas (case-insensitive attribute names, URN-prefixed keys, Entra ID string booleans), which API Gateway models cannot express, and the handlers answer with RFC 7644 §3.12 errors carrying scimType.',
      },
    );
    Validations.of(this.restApi.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'JSON access logs are on for every request. Execution logging is off: it would record request details, and SCIM requests carry personal data and bearer tokens.',
    });
    const cloudWatchRole = this.restApi.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level CloudWatch Logs role serves every API of the account and region, so it cannot be scoped to this stack's log groups; the AWS managed policy is the one AWS documents for it and is kept current by AWS.",
      });
    }
    if (props.webAcl === false) {
      Validations.of(this.restApi.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'The WAF web ACL was turned off (prop webAcl: false), for its fixed monthly cost; the stage is throttled either way.',
      });
    }
  }
}
