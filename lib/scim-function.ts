/**
 * The house Lambda function: `NodejsFunction` with the project's defaults, and grant helpers that set
 * the environment variable a handler reads together with the exact IAM actions it needs.
 */
import { ArnFormat, Aws, type CfnCondition, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, type EnvironmentVariable } from '../functions/config/environment.ts';
import { cdkBundlingOptions, handlerEntryPath, runtimeNodeOptions, type HandlerName } from './bundling.ts';

/** Log levels understood by Powertools and by Lambda's advanced logging controls alike. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Properties of a {@link ScimFunction}. */
export interface ScimFunctionProps {
  /** Which handler of `functions/handlers/` this function runs. */
  readonly handler: HandlerName;
  readonly description: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`), also the `service` key of every log line. */
  readonly serviceName: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 15 seconds */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** Active X-Ray tracing. @default true */
  readonly tracing?: boolean;
  /** Customer-managed key of the log group (its key policy must let CloudWatch Logs use it). @default CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Reserved concurrency: at most this many executions at once, and as many kept aside from the
   * account's pool. @default none (shares the account's unreserved pool)
   */
  readonly reservedConcurrency?: number;
  /** Extra environment variables (only names of `functions/config/environment.ts`, which the handlers read). */
  readonly environment?: Partial<Record<EnvironmentVariable, string>>;
  /** @default lambda.RecursiveLoop.TERMINATE */
  readonly recursiveLoop?: lambda.RecursiveLoop;
}

/**
 * DynamoDB item actions. `TransactWriteItems`/`TransactGetItems` need no action of their own: IAM
 * authorises each item of a transaction as the matching item action (Put, Update, Delete,
 * ConditionCheck, Get).
 */
export type DynamoDbItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

/**
 * What the SCIM resource handlers (users, groups) do to the table: reads, and conditional writes,
 * alone or in TransactWriteItems (which IAM authorises per item action).
 */
export const SCIM_RESOURCE_TABLE_ACTIONS: readonly DynamoDbItemAction[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/** The admin function also purges a deleted directory's partition in batches. */
export const ADMIN_TABLE_ACTIONS: readonly DynamoDbItemAction[] = [...SCIM_RESOURCE_TABLE_ACTIONS, 'dynamodb:BatchWriteItem'];

/** Where the per-directory token-hash secrets live, and the key that encrypts them. */
export interface TokenSecrets {
  /** Secret name prefix; one secret per directory is named `<prefix><directoryId>`. */
  readonly prefix: string;
  /** Customer-managed key of the secrets; absent = the account's `aws/secretsmanager` key. */
  readonly encryptionKey?: kms.IKey;
}

/** `read`: verify tokens. `manage`: the admin function, which creates, rotates and deletes them. */
export type TokenSecretAccess = 'read' | 'manage';

const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'];
const SECRET_MANAGE_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  // A write becomes current by moving AWSCURRENT from the version it read (the write's fence).
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:GetSecretValue',
  'secretsmanager:DeleteSecret',
];

/**
 * A Lambda function with the house defaults: Node.js 22 on arm64, the shared esbuild settings
 * (minified ESM, source maps, AWS SDK bundled), an explicit log group with retention, JSON logs,
 * Powertools environment, and a role of its own that starts with nothing but its log group.
 *
 * @example
 * const users = new ScimFunction(this, 'UsersFunction', { handler: 'users', description: 'SCIM /Users', serviceName: 'scim-users' });
 * users.bindTable(table, SCIM_RESOURCE_TABLE_ACTIONS);
 */
export class ScimFunction extends Construct {
  /** The Lambda function. */
  readonly lambdaFunction: NodejsFunction;
  /** Its log group (explicit, so retention and removal are ours to set). */
  readonly logGroup: logs.LogGroup;
  /** Its execution role. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ScimFunctionProps) {
    super(scope, id);
    const logLevel = props.logLevel ?? 'INFO';
    const tracing = props.tracing ?? true;
    const nodeOptions = runtimeNodeOptions(props.handler);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.logEncryptionKey !== undefined ? { encryptionKey: props.logEncryptionKey } : {}),
    });

    // An own role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole, which may write to any log group of the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);

    this.lambdaFunction = new NodejsFunction(this, 'Function', {
      entry: handlerEntryPath(props.handler),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(15),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // Lambda drops application log lines below this level before they are stored, so it must
      // match the level Powertools writes at or DEBUG lines would vanish.
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      tracing: tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      recursiveLoop: props.recursiveLoop ?? lambda.RecursiveLoop.TERMINATE,
      bundling: cdkBundlingOptions(props.handler),
      environment: {
        [ENV.serviceName]: props.serviceName,
        [ENV.logLevel]: logLevel,
        ...(nodeOptions.length > 0 ? { NODE_OPTIONS: nodeOptions.join(' ') } : {}),
        ...props.environment,
      },
    });
    if (tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so IAM requires "*".',
      });
    }
    Validations.of(this.lambdaFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the handlers are written, bundled (esbuild target node22) and tested for; a newer runtime is a deliberate upgrade of the whole project, not a deploy-time default.',
    });
  }

  /** Sets an environment variable of the function. */
  addEnvironment(key: EnvironmentVariable, value: string): this {
    this.lambdaFunction.addEnvironment(key, value);
    return this;
  }

  /**
   * Sets `TABLE_NAME` and allows exactly `actions` on the table itself, plus `indexActions` on the
   * named indexes (and nothing on the others).
   */
  bindTable(
    table: dynamodb.ITableV2,
    actions: readonly DynamoDbItemAction[],
    options: { indexes?: readonly string[]; indexActions?: readonly DynamoDbItemAction[] } = {},
  ): this {
    this.addEnvironment(ENV.tableName, table.tableName);
    if (actions.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn] }),
      );
    }
    const indexes = options.indexes ?? [];
    if (indexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...(options.indexActions ?? ['dynamodb:Query'])],
          resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
    // A customer-managed table key must allow the same principal to use it.
    table.encryptionKey?.grantEncryptDecrypt(this.role);
    return this;
  }

  /**
   * Sets `TOKEN_SECRET_PREFIX` and allows reading (or managing) the secrets under that prefix only.
   * With a customer-managed key, the function may use the key only through Secrets Manager.
   */
  bindTokenSecrets(secrets: TokenSecrets, access: TokenSecretAccess): this {
    this.addEnvironment(ENV.tokenSecretPrefix, secrets.prefix);
    const stack = Stack.of(this);
    // Secrets Manager appends "-" and six random characters to every secret ARN, hence the
    // trailing wildcard; the prefix keeps it from reaching any other secret of the account.
    const secretArns = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secrets.prefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: access === 'manage' ? SECRET_MANAGE_ACTIONS : SECRET_READ_ACTIONS,
        resources: [secretArns],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(stack.resolve(secretArns))}]`,
      reason: `One secret per directory is created at run time as <prefix><directoryId>, and Secrets Manager appends a random suffix to its ARN; the wildcard is confined to the token-secret prefix "${secrets.prefix}".`,
    });
    if (secrets.encryptionKey !== undefined) {
      this.addEnvironment(ENV.tokenSecretKmsKeyId, secrets.encryptionKey.keyArn);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: access === 'manage' ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
          resources: [secrets.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /** Sets `EVENT_BUS_NAME` and `EVENT_SOURCE` and allows `events:PutEvents` on that bus only. */
  bindEventBus(bus: events.IEventBus, source: string): this {
    this.addEnvironment(ENV.eventBusName, bus.eventBusName);
    this.addEnvironment(ENV.eventSource, source);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
    return this;
  }

  /**
   * Sets `EVENT_ARCHIVE_ARN` and `EVENT_BUS_ARN` and allows `events:StartReplay` from that archive
   * only, for replays named `scimds-…` (the Directory API's replay names).
   */
  bindEventReplay(archive: events.Archive, bus: events.IEventBus, options: { onlyIf?: CfnCondition } = {}): this {
    // An archive that exists only in some regions (a CloudFormation condition) is named only there;
    // elsewhere the variable and the ARN are left out and the function offers no replays.
    const archiveArn = options.onlyIf === undefined
      ? archive.archiveArn
      : Token.asString(Fn.conditionIf(options.onlyIf.logicalId, archive.archiveArn, Aws.NO_VALUE));
    this.addEnvironment(ENV.eventArchiveArn, archiveArn);
    this.addEnvironment(ENV.eventBusArn, bus.eventBusArn);
    const replayArns = Stack.of(this).formatArn({ service: 'events', resource: 'replay', resourceName: 'scimds-*' });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:StartReplay'], resources: [archiveArn, replayArns] }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(this).resolve(replayArns))}]`,
      reason: 'Each replay gets a new name at run time; the wildcard is confined to the scimds- prefix of the Directory API\'s replays.',
    });
    return this;
  }

  /**
   * Sets `ADMIN_FUNCTION_NAME` and allows asynchronous invocations of the admin function (the portal
   * hands a directory deletion to it, which carries it on in the background).
   */
  allowInvokeOf(adminFunction: lambda.IFunction): this {
    this.addEnvironment(ENV.adminFunctionName, adminFunction.functionName);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [adminFunction.functionArn] }));
    return this;
  }

  /**
   * Allows the function to invoke itself (work handed off to a fresh invocation). A separate policy,
   * because the function depends on its role's default policy and that policy cannot name the
   * function's own ARN without a dependency cycle.
   */
  allowSelfInvoke(): this {
    new iam.Policy(this, 'SelfInvokePolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.lambdaFunction.functionArn] }),
      ],
    });
    return this;
  }
}

/**
 * A resolved CloudFormation value written the way cdk-nag names it in a finding id
 * (`{ Ref: X }` becomes `<X>`, joins are concatenated).
 */
function nagReference(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record['Ref'] === 'string') return `<${record['Ref']}>`;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = record['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(nagReference).join(join[0]);
    }
  }
  return JSON.stringify(value);
}
