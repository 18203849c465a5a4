/**
 * `ScimDirectorySync`: the whole service as one construct, for any CDK app.
 *
 * Construct ids below are part of the deployed state: CloudFormation derives logical ids from them,
 * and a renamed table id would replace (and, with RETAIN, orphan) the table. Do not rename them.
 *
 * Over 400 lines because the props interface documents every option where it is declared;
 * the parts with logic of their own live in concurrency.ts, encryption.ts, regions.ts and monitoring.ts.
 */
import { CfnCondition, Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_ACTIVITY_RETENTION_DAYS } from '../functions/activity/activity.ts';
import { MAX_ACTIVITY_RETENTION_DAYS } from '../functions/activity/config.ts';
import { ACTIVITY_ENTRY_FIELDS } from '../functions/activity/entries.ts';
import { keys, SK } from '../functions/adapters/dynamodb/keys.ts';
import { FANOUT_FAILURE_FIELDS, PARKED_RECORD_FIELDS } from '../functions/adapters/dynamodb/parked-records.ts';
import { ENTITY, TABLE_DEFINITION } from '../functions/adapters/dynamodb/table-definition.ts';
import {
  DEFAULT_EVENT_SOURCE,
  DEFAULT_TOKEN_CACHE_TTL_SECONDS,
  DEFAULT_TOKEN_SECRET_PREFIX,
  ENV,
  MAX_TOKEN_CACHE_TTL_SECONDS,
} from '../functions/config/environment.ts';
import { checkBranding } from '../functions/portal/pages.ts';
import { DEFAULT_PORTAL_APP_NAME } from '../functions/portal/portal-config.ts';
import { PACKAGE_ROOT } from './bundling.ts';
import { resolveConcurrency, type ConcurrencyLimits } from './concurrency.ts';
import { DirectoryEvents } from './directory-events.ts';
import { allowServicesToUseKey, encryptTable } from './encryption.ts';
import { createAlarmTopic, ScimMonitoring, type AlarmThresholds } from './monitoring.ts';
import { DEFAULT_THROTTLING, ScimApi, type ApiThrottling, type ApiWebAcl } from './scim-api.ts';
import { ADMIN_TABLE_ACTIONS, SCIM_RESOURCE_TABLE_ACTIONS, ScimFunction, type LogLevel, type TokenSecrets } from './scim-function.ts';

// The names and defaults the handlers read, from the one module both sides share.
export { DEFAULT_EVENT_SOURCE, DEFAULT_TOKEN_CACHE_TTL_SECONDS, DEFAULT_TOKEN_SECRET_PREFIX };

/** How the Admin Portal presents itself to the customer's IT admin. */
export interface AdminPortalProps {
  /** The host app's name, shown on every page ("Hero SaaS"). @default 'your application' */
  readonly appName?: string;
  /** An https image shown beside the name. @default none */
  readonly logoUrl?: string;
  /** Accent colour of buttons and links, `#rrggbb`. @default a blue with AA contrast */
  readonly accentColor?: string;
  /**
   * Origins of the host app allowed to show the portal in an iframe (`frame-ancestors`). Setting
   * any makes the session cookie `SameSite=None`. @default none: the portal cannot be framed
   */
  readonly frameAncestors?: readonly string[];
  /** Minutes without a request from the identity provider after which the portal warns. @default 120 */
  readonly staleAfterMinutes?: number;
}

export { DEFAULT_PORTAL_APP_NAME };

/** Properties of {@link ScimDirectorySync}. Every one is optional. */
export interface ScimDirectorySyncProps {
  /**
   * What happens to the table (and log groups) when the stack is deleted or the resource replaced.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** DynamoDB deletion protection. @default true */
  readonly deletionProtection?: boolean;

  /**
   * Name prefix of the token-hash secrets the admin function creates; the functions' IAM grants
   * cover this prefix only, so two deployments in one account must not share it.
   * @default `scim-directory-sync/<stack name, construct path and a hash>/`, unique to this construct
   */
  readonly tokenSecretPrefix?: string;
  /** Customer-managed KMS key the admin function encrypts token secrets with. @default `encryptionKey`, else the aws/secretsmanager key */
  readonly tokenSecretKey?: kms.IKey;
  /**
   * One customer-managed KMS key for the table and its stream, the event bus and its archive, the
   * dead-letter and failure queues, every log group, the alarm topic and the token secrets. Its key
   * policy must let CloudWatch Logs and CloudWatch use it; that is added when the key is defined in
   * the same app. @default AWS owned or AWS managed keys
   */
  readonly encryptionKey?: kms.IKey;
  /** How long a warm function caches a directory's token secret, 0–60 s. @default 30 */
  readonly tokenCacheTtlSeconds?: number;
  /**
   * How long provisioning activity entries are kept (DynamoDB TTL), in whole days from 1 to 3650.
   * @default Duration.days(30)
   */
  readonly activityRetention?: Duration;

  /** Publish events on this existing bus instead of a new one. @default a new bus with an archive */
  readonly eventBus?: events.IEventBus;
  /** `source` of every event. @default 'scim-directory-sync' */
  readonly eventSource?: string;
  /** Archive retention of the created bus (zero = forever). @default 365 days */
  readonly eventArchiveRetention?: Duration;
  /**
   * Name of the created bus's archive. A new name replaces the archive, deleting the old one with
   * its events: how an erasure that cannot wait for the retention purges it (docs/events.md).
   * @default a name CloudFormation generates
   */
  readonly eventArchiveName?: string;
  /**
   * Folder of event JSON Schemas (one `<detail-type>.json` per event type) for the schema registry.
   * `false`: no registry. @default the package's docs/events
   */
  readonly eventSchemasDirectory?: string | false;
  /**
   * Create the EventBridge schema registry. `true`: always (the deploy fails in regions without
   * it), `false`: never. @default only in regions that have it (lib/regions.ts), decided at deploy time
   */
  readonly eventSchemaRegistry?: boolean;

  /** API stage name. @default 'v1' */
  readonly stageName?: string;
  /** Stage throttling. @default { rateLimit: 200, burstLimit: 400 } */
  readonly throttling?: ApiThrottling;
  /** Serve the Tenant URL on a custom domain (TLS 1.2 minimum). @default the execute-api URL */
  readonly customDomain?: {
    readonly domainName: string;
    readonly certificate: acm.ICertificate;
    readonly hostedZone?: route53.IHostedZone;
  };
  /**
   * The AWS WAF web ACL in front of the API: rate limits per directory (per bearer token) and per IP
   * address, then AWS managed rule groups (docs/deploy.md, "Rate limits"). `false`: none.
   * @default on, 12,000 requests per 5 minutes per directory and 30,000 per IP address
   */
  readonly webAcl?: ApiWebAcl | false;
  /** Name of the REST API (and the `ApiName` of its metrics). @default unique to this construct and stack */
  readonly restApiName?: string;
  /**
   * Set API Gateway's account-level CloudWatch Logs role in this region, which access logging needs.
   * `false` when the account already has it set and something else manages it. @default true
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * Reserved concurrency of each function; `false` reserves none (accounts whose Lambda concurrency
   * quota is too small to reserve from). @default derived from the stage throttle (lib/concurrency.ts)
   */
  readonly concurrency?: ConcurrencyLimits | false;

  /** Retention of every log group. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools and Lambda application log level. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** Active X-Ray tracing on every function and on the API stage. @default true */
  readonly tracing?: boolean;
  /** Branding and embedding of the Admin Portal. */
  readonly portal?: AdminPortalProps;
  /** SNS topic that receives every alarm and recovery. @default a new topic */
  readonly alarmTopic?: sns.ITopic;
  /** E-mail address subscribed to the alarm topic (AWS sends a confirmation mail first). @default none */
  readonly alarmEmail?: string;
  readonly alarmThresholds?: AlarmThresholds;
}

/**
 * The SCIM directory-sync service: DynamoDB table, REST API with the users, groups and discovery
 * functions, the admin function, the stream fan-out to EventBridge, alarms and a dashboard.
 *
 * @example
 * const scim = new ScimDirectorySync(this, 'ScimDirectorySync', { alarmTopic: opsTopic });
 * new CfnOutput(this, 'TenantUrlBase', { value: scim.tenantUrlBase });
 */
export class ScimDirectorySync extends Construct {
  readonly table: dynamodb.TableV2;
  readonly api: ScimApi;
  /** `https://…/scim/v2`; a directory's Tenant URL is this plus `/<directoryId>`. */
  readonly tenantUrlBase: string;
  readonly usersFunction: ScimFunction;
  readonly groupsFunction: ScimFunction;
  readonly discoveryFunction: ScimFunction;
  /**
   * Every other path below a Tenant URL (`/users`, `/SCHEMAS/{urn}`, ...): serves the endpoint the
   * path names in any letter case with the users, groups and discovery code, and 404 for the rest.
   */
  readonly scimFallbackFunction: ScimFunction;
  /** The host app's Directory API under `/api/v1` (IAM-authorised): reads, portal links, replays. */
  readonly directoryApiFunction: ScimFunction;
  /** Not reachable through the API: invoked with IAM by the `scim-admin` CLI. */
  readonly adminFunction: ScimFunction;
  /** Serves the Admin Portal under `/portal`. */
  readonly portalFunction: ScimFunction;
  /** `https://…/portal`: portal links open below it. */
  readonly portalUrlBase: string;
  readonly streamFanoutFunction: ScimFunction;
  /** Completes group member journals a stopped request left open (every minute). */
  readonly journalSweeperFunction: ScimFunction;
  /**
   * The stream mapping's on-failure destination: pointers (shard and sequence numbers) to records
   * the fan-out could neither deliver nor park. Parked records themselves are kept whole in the
   * table (docs/decisions/parked-stream-records.md).
   */
  readonly deadLetterQueue: sqs.Queue;
  readonly events: DirectoryEvents;
  readonly eventBus: events.IEventBus;
  readonly alarms: readonly cloudwatch.Alarm[];
  /** Receives every alarm and recovery. */
  readonly alarmTopic: sns.ITopic;
  /** Failed asynchronous invocations of the admin function (background purges), after retries. */
  readonly adminFailureQueue: sqs.Queue;
  /** Name prefix of the token secrets of this deployment. */
  readonly tokenSecretPrefix: string;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ScimDirectorySyncProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const tokenCacheTtlSeconds = props.tokenCacheTtlSeconds ?? DEFAULT_TOKEN_CACHE_TTL_SECONDS;
    if (!Number.isInteger(tokenCacheTtlSeconds) || tokenCacheTtlSeconds < 0 || tokenCacheTtlSeconds > MAX_TOKEN_CACHE_TTL_SECONDS) {
      throw new RangeError(`tokenCacheTtlSeconds must be an integer from 0 to ${MAX_TOKEN_CACHE_TTL_SECONDS}, not ${tokenCacheTtlSeconds}`);
    }
    const encryptionKey = props.encryptionKey;
    if (encryptionKey !== undefined) allowServicesToUseKey(this, encryptionKey);
    const tokenSecretKey = props.tokenSecretKey ?? encryptionKey;
    const tokenSecrets: TokenSecrets = {
      prefix: props.tokenSecretPrefix ?? defaultTokenSecretPrefix(this),
      ...(tokenSecretKey !== undefined ? { encryptionKey: tokenSecretKey } : {}),
    };
    this.tokenSecretPrefix = tokenSecrets.prefix;
    if (!/^[A-Za-z0-9/_+=.@-]+$/.test(tokenSecrets.prefix)) {
      throw new RangeError(`tokenSecretPrefix may hold only the characters Secrets Manager allows in names`);
    }
    // The IAM grants are `<prefix>*`: a prefix not ending in a path separator (say `scim`) would
    // also cover unrelated secrets (`scim-billing-key`).
    if (!tokenSecrets.prefix.endsWith('/')) {
      throw new RangeError(`tokenSecretPrefix must end with "/", so that its IAM grants cover only token secrets`);
    }
    const activityRetentionDays = props.activityRetention?.toDays() ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
    if (activityRetentionDays < 1 || activityRetentionDays > MAX_ACTIVITY_RETENTION_DAYS) {
      throw new RangeError(`activityRetention must be from 1 to ${MAX_ACTIVITY_RETENTION_DAYS} days, not ${activityRetentionDays}`);
    }
    const eventSource = props.eventSource ?? DEFAULT_EVENT_SOURCE;
    const functionDefaults = {
      logRetention: props.logRetention,
      logRemovalPolicy: removalPolicy,
      logLevel: props.logLevel,
      tracing: props.tracing,
      logEncryptionKey: encryptionKey,
    };
    const throttling = props.throttling ?? DEFAULT_THROTTLING;
    const concurrency = props.concurrency === false ? undefined : resolveConcurrency(throttling, props.concurrency);
    const queueEncryption = encryptionKey !== undefined
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: encryptionKey }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED };

    const t = TABLE_DEFINITION;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: t.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: t.sortKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: t.directoryIndex.name,
          partitionKey: { name: t.directoryIndex.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: t.directoryIndex.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      timeToLiveAttribute: t.timeToLiveAttribute,
      dynamoStream: dynamodb.StreamViewType[t.streamView],
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy,
    });
    if (encryptionKey !== undefined) encryptTable(this.table, encryptionKey);

    const activityEnvironment = { [ENV.activityRetentionDays]: String(activityRetentionDays) };
    const scimEnvironment = { [ENV.tokenCacheTtlSeconds]: String(tokenCacheTtlSeconds), ...activityEnvironment };
    // The key that signs list cursors (RFC 9865), shared by every instance of the users and groups
    // functions. It only protects paging positions inside a directory the caller holds a token for,
    // so it is passed as a variable (resolved by CloudFormation) rather than read at each cold start.
    const cursorSigningKey = new secretsmanager.Secret(this, 'CursorSigningKey', {
      description: 'Signs SCIM list cursors (RFC 9865); replacing it invalidates cursors in flight',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      ...(encryptionKey !== undefined ? { encryptionKey } : {}),
      // Nothing is lost with it: a new stack makes a new key, and cursors live an hour.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(cursorSigningKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The key only signs paging positions that live an hour; the functions get its value at deploy time, so a rotation takes a redeploy (docs/scim-rules.md), and rotating it only ends the cursors in flight.',
    });
    const listingEnvironment = { ...scimEnvironment, [ENV.cursorSigningKey]: cursorSigningKey.secretValue.unsafeUnwrap() };
    this.usersFunction = new ScimFunction(this, 'UsersFunction', {
      ...functionDefaults,
      handler: 'users',
      description: 'SCIM /Users (RFC 7644)',
      serviceName: 'scim-users',
      environment: listingEnvironment,
      reservedConcurrency: concurrency?.resourceFunctions,
    })
      .bindTable(this.table, SCIM_RESOURCE_TABLE_ACTIONS)
      .bindTokenSecrets(tokenSecrets, 'read');

    this.groupsFunction = new ScimFunction(this, 'GroupsFunction', {
      ...functionDefaults,
      handler: 'groups',
      description: 'SCIM /Groups (RFC 7644)',
      serviceName: 'scim-groups',
      // Group writes fan out to many membership items.
      timeout: GROUPS_TIMEOUT,
      environment: listingEnvironment,
      reservedConcurrency: concurrency?.resourceFunctions,
    })
      .bindTable(this.table, SCIM_RESOURCE_TABLE_ACTIONS)
      .bindTokenSecrets(tokenSecrets, 'read');

    // Discovery documents are static; the table writes are the token last-use and request-status
    // updates, and the activity entry of a failed request.
    this.discoveryFunction = new ScimFunction(this, 'DiscoveryFunction', {
      ...functionDefaults,
      handler: 'discovery',
      description: 'SCIM discovery: /ServiceProviderConfig, /ResourceTypes, /Schemas (RFC 7644 §4)',
      serviceName: 'scim-discovery',
      memorySize: 256,
      environment: scimEnvironment,
      reservedConcurrency: concurrency?.discoveryFunction,
    })
      .bindTable(this.table, ['dynamodb:PutItem', 'dynamodb:UpdateItem'])
      .bindTokenSecrets(tokenSecrets, 'read');

    // It serves all three endpoint families, so it holds the union of their rights, which are the
    // resource functions' (discovery's are a subset); its own reserved concurrency keeps traffic
    // that spells paths differently from taking the canonical functions' share.
    this.scimFallbackFunction = new ScimFunction(this, 'ScimFallbackFunction', {
      ...functionDefaults,
      handler: 'scimFallback',
      description: 'SCIM endpoints spelled in another letter case (/users, /groups, ...), and 404 for unknown paths',
      serviceName: 'scim-fallback',
      timeout: GROUPS_TIMEOUT,
      environment: scimEnvironment,
      reservedConcurrency: concurrency?.scimFallbackFunction,
    })
      .bindTable(this.table, SCIM_RESOURCE_TABLE_ACTIONS)
      .bindTokenSecrets(tokenSecrets, 'read');

    // Reads: the Directory API never writes resources (directory listing uses the index).
    this.directoryApiFunction = new ScimFunction(this, 'DirectoryApiFunction', {
      ...functionDefaults,
      handler: 'directoryApi',
      description: 'Host Directory API /api/v1 (IAM): directories, users, groups, members, replays',
      serviceName: 'scim-directory-api',
      reservedConcurrency: concurrency?.directoryApiFunction,
    }).bindTable(this.table, ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], {
      indexes: [t.directoryIndex.name],
      indexActions: ['dynamodb:Query'],
    });
    const portal = props.portal ?? {};
    // Bad branding fails the synth, not the first page view.
    checkBranding({
      appName: portal.appName ?? DEFAULT_PORTAL_APP_NAME,
      ...(portal.logoUrl === undefined ? {} : { logoUrl: portal.logoUrl }),
      ...(portal.accentColor === undefined ? {} : { accentColor: portal.accentColor }),
    });
    this.portalFunction = new ScimFunction(this, 'PortalFunction', {
      ...functionDefaults,
      handler: 'portal',
      description: "Admin Portal: the customer's IT admin sets up Directory Sync through a one-time link",
      serviceName: 'scim-portal',
      reservedConcurrency: concurrency?.portalFunction,
      environment: {
        [ENV.portalAppName]: portal.appName ?? DEFAULT_PORTAL_APP_NAME,
        ...(portal.logoUrl === undefined ? {} : { [ENV.portalLogoUrl]: portal.logoUrl }),
        ...(portal.accentColor === undefined ? {} : { [ENV.portalAccentColor]: portal.accentColor }),
        ...(portal.frameAncestors === undefined || portal.frameAncestors.length === 0 ? {} : { [ENV.portalFrameAncestors]: portal.frameAncestors.join(' ') }),
        ...(portal.staleAfterMinutes === undefined ? {} : { [ENV.portalStaleAfterMinutes]: String(portal.staleAfterMinutes) }),
      },
    })
      // Directories, tokens' last use and lease, users, groups, activity, links and sessions.
      .bindTable(this.table, SCIM_RESOURCE_TABLE_ACTIONS, { indexes: [t.directoryIndex.name], indexActions: ['dynamodb:Query'] })
      .bindTokenSecrets(tokenSecrets, 'manage');

    this.api = new ScimApi(this, 'Api', {
      portalFunction: this.portalFunction.lambdaFunction,
      usersFunction: this.usersFunction.lambdaFunction,
      groupsFunction: this.groupsFunction.lambdaFunction,
      discoveryFunction: this.discoveryFunction.lambdaFunction,
      scimFallbackFunction: this.scimFallbackFunction.lambdaFunction,
      directoryApiFunction: this.directoryApiFunction.lambdaFunction,
      ...(props.stageName !== undefined ? { stageName: props.stageName } : {}),
      throttling,
      ...(props.restApiName !== undefined ? { restApiName: props.restApiName } : {}),
      accountCloudWatchRole: props.apiGatewayCloudWatchRole ?? true,
      tracing: props.tracing ?? true,
      ...(encryptionKey !== undefined ? { accessLogEncryptionKey: encryptionKey } : {}),
      ...(props.customDomain !== undefined ? { customDomain: props.customDomain } : {}),
      ...(props.webAcl !== undefined ? { webAcl: props.webAcl } : {}),
      ...(props.logRetention !== undefined ? { accessLogRetention: props.logRetention } : {}),
      accessLogRemovalPolicy: removalPolicy,
    });
    this.tenantUrlBase = this.api.tenantUrlBase;
    // meta.location and $ref values are built from the Tenant URL base (RFC 7643 §3.1).
    for (const fn of [this.usersFunction, this.groupsFunction, this.discoveryFunction, this.scimFallbackFunction, this.directoryApiFunction, this.portalFunction]) {
      fn.addEnvironment(ENV.scimBaseUrl, this.tenantUrlBase);
    }
    // The API's base is the Tenant URL base without its `/scim/v2`.
    this.portalUrlBase = `${this.tenantUrlBase.slice(0, -'/scim/v2'.length)}/portal`;
    this.portalFunction.addEnvironment(ENV.portalBaseUrl, this.portalUrlBase);
    // Portal links the Directory API makes open the portal on this same API.
    this.directoryApiFunction.addEnvironment(ENV.portalBaseUrl, this.portalUrlBase);
    // Its one write: a portal link item, in a partition of its own (keys.ts), never a directory's.
    this.directoryApiFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${SK.portalLink}#*`] } },
      }),
    );

    this.adminFunction = new ScimFunction(this, 'AdminFunction', {
      ...functionDefaults,
      handler: 'admin',
      description: 'Directory and token administration (scim-admin CLI); not exposed through the API',
      serviceName: 'scim-admin',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      // A long directory purge hands its continuation to a fresh invocation of itself, on purpose.
      // The chain is bounded by the handler (a hop count in the command), not by Lambda's loop detection.
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      environment: { [ENV.scimBaseUrl]: this.tenantUrlBase, [ENV.portalBaseUrl]: this.portalUrlBase },
      reservedConcurrency: concurrency?.adminFunction,
    })
      .bindTable(this.table, ADMIN_TABLE_ACTIONS, {
        indexes: [t.directoryIndex.name],
        indexActions: ['dynamodb:Query'],
      })
      .bindTokenSecrets(tokenSecrets, 'manage')
      .allowSelfInvoke();
    this.portalFunction.allowInvokeOf(this.adminFunction.lambdaFunction);

    this.events = new DirectoryEvents(this, 'Events', {
      ...(props.eventBus !== undefined ? { eventBus: props.eventBus } : {}),
      eventSource,
      ...(props.eventArchiveRetention !== undefined ? { archiveRetention: props.eventArchiveRetention } : {}),
      ...(props.eventArchiveName !== undefined ? { archiveName: props.eventArchiveName } : {}),
      schemasDirectory: props.eventSchemasDirectory ?? `${PACKAGE_ROOT}docs/events`,
      ...(props.eventSchemaRegistry !== undefined ? { schemaRegistry: props.eventSchemaRegistry } : {}),
      ...(encryptionKey !== undefined ? { encryptionKey } : {}),
    });
    this.eventBus = this.events.eventBus;
    // Replays need an archive, which exists only on a bus this construct created.
    if (this.events.archive !== undefined) {
      const availability = this.events.archiveAvailability;
      this.directoryApiFunction.bindEventReplay(this.events.archive, this.eventBus, availability instanceof CfnCondition ? { onlyIf: availability } : {});
    }

    // A failed background purge is retried twice by Lambda, then parked here with its command, so an
    // operator can see it (alarm) and resume it with `scim-admin directory delete`.
    this.adminFailureQueue = new sqs.Queue(this, 'AdminFailureQueue', {
      ...queueEncryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.adminFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue: the on-failure destination of the admin function\'s asynchronous invocations.',
    });
    this.adminFunction.lambdaFunction.configureAsyncInvoke({
      onFailure: new lambdaDestinations.SqsDestination(this.adminFailureQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });

    this.deadLetterQueue = new sqs.Queue(this, 'StreamDeadLetterQueue', {
      ...queueEncryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue: the on-failure destination of the table stream event source mapping.',
    });
    // Redrive publishes parked stream records again, as the fan-out would have (events.redrive).
    this.adminFunction.bindEventBus(this.eventBus, eventSource);
    // It also reads back the records the fan-out sent whole to the dead-letter queue (when the
    // table failed too): receive, remove what it published, and make the rest visible again.
    // Nothing else of the queue; its KMS key (when customer-managed) is granted with the table's.
    this.adminFunction.lambdaFunction.addEnvironment(ENV.deadLetterQueueUrl, this.deadLetterQueue.queueUrl);
    this.adminFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );

    this.streamFanoutFunction = new ScimFunction(this, 'StreamFanoutFunction', {
      ...functionDefaults,
      handler: 'streamFanout',
      description: 'DynamoDB stream to EventBridge: one public event per changed user, group, membership, directory',
      serviceName: 'scim-stream-fanout',
      timeout: FANOUT_TIMEOUT,
      // Events carry the resource's location (RFC 7643 §3.1 meta.location).
      // The dead-letter queue takes whole records the fan-out can neither deliver nor park; its
      // sqs:SendMessage is the one the event source mapping grants for its pointers (below).
      environment: { [ENV.scimBaseUrl]: this.tenantUrlBase, [ENV.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl, ...activityEnvironment },
      reservedConcurrency: concurrency?.streamFanoutFunction,
    })
      .bindTable(this.table, ['dynamodb:GetItem', 'dynamodb:BatchGetItem'])
      .bindEventBus(this.eventBus, eventSource);
    // Only the fan-out, and the admin function's redrive, may publish this service's source (on a
    // bus this construct created).
    this.events.restrictSourceTo(this.streamFanoutFunction.role, this.adminFunction.role);
    // It names group members on their membership items: `display`, and nothing else, of
    // existing items in directory partitions.
    this.streamFanoutFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.partition('*')] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [t.partitionKey, t.sortKey, 'display'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
    // It records the activity of creates and changes it sees: new items in directory partitions,
    // with an activity entry's attributes only (no resource, claim or counter could be written).
    this.streamFanoutFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.partition('*')] },
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [t.partitionKey, t.sortKey, ...ACTIVITY_ENTRY_FIELDS, t.timeToLiveAttribute],
          },
        },
      }),
    );
    // It parks the records it gives up on, and counts their failures, in their directory's
    // partition, with a parked record's (or a failure count's) attributes only.
    this.streamFanoutFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.partition('*')] },
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [t.partitionKey, t.sortKey, ...PARKED_RECORD_FIELDS, ...FANOUT_FAILURE_FIELDS, t.timeToLiveAttribute],
          },
        },
      }),
    );

    this.streamFanoutFunction.lambdaFunction.addEventSource(
      new lambdaEventSources.DynamoEventSource(this.table, {
        // From the oldest record, so changes made before the mapping existed still raise events.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // A batch whose invocation fails outright (a crash, a timeout) is halved until the record
        // at fault is alone; ordinary failures are reported per record and need no bisection.
        bisectBatchOnError: true,
        // The fan-out parks a record at its PARK_AFTER_FAILED_ATTEMPTS-th (3rd) failed invocation.
        // These retries are the margin above that, for invocations that fail before the fan-out
        // can count, park or queue a record (crash, timeout, SQS refusing too). See docs/reliability.md.
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        // DynamoDB trims stream records after 24 hours. A record this old means the fan-out has made
        // no progress for most of a day; its pointer then reaches the dead-letter queue (and its
        // alarm) while the record can still be read from the stream.
        maxRecordAge: STREAM_MAX_RECORD_AGE,
        reportBatchItemFailures: true,
        // One batch per shard at a time: the stream's order per item is the event order.
        parallelizationFactor: 1,
        onFailure: new lambdaEventSources.SqsDlq(this.deadLetterQueue),
        filters: entityFilters(),
      }),
    );

    // A group member change too large for one transaction is journaled, and a delete that ends
    // memberships is written on its resource first; the request, or the next reader of the
    // resource, completes it. This sweeper completes those nobody reads (docs/storage.md, "Member
    // journals", "Deletes"): it finds them in gsi1, and reads (a group's members, by Query) and
    // writes only items of directory partitions.
    this.journalSweeperFunction = new ScimFunction(this, 'JournalSweeperFunction', {
      ...functionDefaults,
      handler: 'journalSweeper',
      description: 'Completes group member changes and deletes whose request stopped before it had applied them all',
      serviceName: 'scim-journal-sweeper',
      timeout: JOURNAL_SWEEPER_TIMEOUT,
    }).bindTable(this.table, [], { indexes: [t.directoryIndex.name] });
    this.journalSweeperFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.partition('*')] } },
      }),
    );
    new events.Rule(this, 'JournalSweepSchedule', {
      description: 'Runs the member-journal sweeper every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new eventsTargets.LambdaFunction(this.journalSweeperFunction.lambdaFunction, { retryAttempts: 0 })],
    });

    if (encryptionKey !== undefined) {
      // Every function reads the table, and all but the Directory API write it (the fan-out its activity entries, and its stream).
      const tableUsers = [
        this.usersFunction,
        this.groupsFunction,
        this.discoveryFunction,
        this.scimFallbackFunction,
        this.directoryApiFunction,
        this.portalFunction,
        this.adminFunction,
        this.streamFanoutFunction,
        this.journalSweeperFunction,
      ];
      for (const fn of tableUsers) encryptionKey.grantEncryptDecrypt(fn.role);
      for (const fn of tableUsers) {
        Validations.of(fn.role).acknowledge(
          ...['kms:ReEncrypt*', 'kms:GenerateDataKey*'].map((action) => ({
            id: `AwsSolutions-IAM5[Action::${action}]`,
            reason:
              'Granted by the CDK for the customer-managed key of this deployment only (the resource is that key\'s ARN): the variants of re-encryption and data-key generation DynamoDB and SQS use with it.',
          })),
        );
      }
    }

    this.alarmTopic = props.alarmTopic ?? createAlarmTopic(this, encryptionKey);
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(props.alarmEmail));
    }

    const monitoring = new ScimMonitoring(this, 'Monitoring', {
      restApi: this.api.restApi,
      functions: {
        Users: this.usersFunction.lambdaFunction,
        Groups: this.groupsFunction.lambdaFunction,
        Discovery: this.discoveryFunction.lambdaFunction,
        ScimFallback: this.scimFallbackFunction.lambdaFunction,
        DirectoryApi: this.directoryApiFunction.lambdaFunction,
        Admin: this.adminFunction.lambdaFunction,
        Portal: this.portalFunction.lambdaFunction,
        StreamFanout: this.streamFanoutFunction.lambdaFunction,
        JournalSweeper: this.journalSweeperFunction.lambdaFunction,
      },
      streamFanoutFunction: this.streamFanoutFunction.lambdaFunction,
      table: this.table,
      deadLetterQueue: this.deadLetterQueue,
      streamFanoutLogGroup: this.streamFanoutFunction.logGroup,
      adminFailureQueue: this.adminFailureQueue,
      timeouts: { Users: API_TIMEOUT, Groups: GROUPS_TIMEOUT, Discovery: API_TIMEOUT, ScimFallback: GROUPS_TIMEOUT, StreamFanout: FANOUT_TIMEOUT, JournalSweeper: JOURNAL_SWEEPER_TIMEOUT },
      alarmTopic: this.alarmTopic,
      ...(props.alarmThresholds !== undefined ? { thresholds: props.alarmThresholds } : {}),
    });
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
  }

  /**
   * Allows `grantee` (a host service's role) to call the Directory API's read routes: every `GET`
   * under `/api/v1` of this stage, and nothing else of the API.
   *
   * @example
   * scim.grantDirectoryRead(hostServiceRole);
   */
  grantDirectoryRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: this.directoryReadArns() });
  }

  /**
   * Allows `grantee` to call every Directory API route: the reads, and `POST` of portal links and
   * event replays.
   */
  grantDirectoryApi(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [...this.directoryReadArns(), this.executeApiArn('POST', '/api/v1/*')],
    });
  }

  /** The execute-api ARNs of the Directory API's read routes. */
  directoryReadArns(): string[] {
    return [this.executeApiArn('GET', '/api/v1/*')];
  }

  private executeApiArn(method: string, path: string): string {
    return this.api.restApi.arnForExecuteApi(method, path, this.api.restApi.deploymentStage.stageName);
  }
}

/** The SCIM functions' timeout (the ScimFunction default); Groups writes fan out to many membership items. */
const API_TIMEOUT = Duration.seconds(15);
const GROUPS_TIMEOUT = Duration.seconds(25);
const FANOUT_TIMEOUT = Duration.minutes(1);
/**
 * The sweeper completes at most ten journals a run (JOURNALS_PER_SWEEP), each at most about 100
 * transactions and as many batch reads: minutes at worst, so a run may outlast its minute; two
 * runs completing one journal at once is safe (each write is conditioned on the journal).
 */
const JOURNAL_SWEEPER_TIMEOUT = Duration.minutes(5);
/** Retries of a failed stream batch by the event source mapping (above the fan-out's parking bound of 3). */
export const STREAM_RETRY_ATTEMPTS = 10;
/** Age after which the mapping gives a stream record up (to the dead-letter queue): an hour before DynamoDB trims it. */
export const STREAM_MAX_RECORD_AGE = Duration.hours(23);

/**
 * The token-secret prefix of a construct: unique per stack (stack names are unique in an account
 * and region) and per construct path, and never a prefix of another deployment's, since it ends
 * with "/" and the name part holds none.
 */
export function defaultTokenSecretPrefix(scope: Construct): string {
  return `scim-directory-sync/${Names.uniqueResourceName(scope, { maxLength: 96, separator: '-' })}/`;
}

/**
 * Event source filters: only resource items raise events. Claims, counters, reverse memberships and
 * paging markers carry no `entity` attribute and are dropped before the function is invoked (and
 * billed). A delete has only an old image, an insert only a new one, hence one filter per image;
 * Lambda passes a record that matches any filter.
 */
export function entityFilters(): Array<Record<string, unknown>> {
  const entities = lambda.FilterRule.or(...Object.values(ENTITY));
  const attribute = TABLE_DEFINITION.entityAttribute;
  return [
    lambda.FilterCriteria.filter({ dynamodb: { NewImage: { [attribute]: { S: entities } } } }),
    lambda.FilterCriteria.filter({ dynamodb: { OldImage: { [attribute]: { S: entities } } } }),
  ];
}
