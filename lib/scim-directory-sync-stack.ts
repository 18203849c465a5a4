/**
 * The deployable stack: the {@link ScimDirectorySync} construct and the outputs an operator needs.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEFAULT_TOKEN_SECRET_PREFIX } from '../functions/config/environment.ts';
import { ScimDirectorySync, type ScimDirectorySyncProps } from './scim-directory-sync.ts';

/** The stack name the app has always deployed by default. */
export const DEFAULT_STACK_NAME = 'ScimDirectorySync';

/** Properties of {@link ScimDirectorySyncStack}. */
export interface ScimDirectorySyncStackProps extends StackProps {
  /** Passed to the construct unchanged. */
  readonly scim?: ScimDirectorySyncProps;
}

/**
 * One SCIM directory-sync deployment. Environment-agnostic unless `env` is given, so that it
 * synthesises offline, without credentials.
 *
 * Token secrets: a stack gets a secret prefix of its own (see `defaultTokenSecretPrefix`), except the
 * stack with the default name, which keeps the prefix every deployment shared before, so that
 * upgrading it leaves its directories' tokens working. Only one stack of that name can exist per
 * account and region, so the shared prefix is no longer shared by two current deployments.
 */
export class ScimDirectorySyncStack extends Stack {
  readonly scim: ScimDirectorySync;

  constructor(scope: Construct, id: string, props: ScimDirectorySyncStackProps = {}) {
    super(scope, id, props);
    const keepsSharedPrefix = this.stackName === DEFAULT_STACK_NAME && props.scim?.tokenSecretPrefix === undefined;
    this.scim = new ScimDirectorySync(this, 'ScimDirectorySync', {
      ...props.scim,
      ...(keepsSharedPrefix ? { tokenSecretPrefix: DEFAULT_TOKEN_SECRET_PREFIX } : {}),
    });

    new CfnOutput(this, 'TenantUrlBase', {
      description: "Tenant URL base: a directory's Tenant URL is this plus /<directoryId>",
      value: this.scim.tenantUrlBase,
    });
    new CfnOutput(this, 'AdminFunctionName', {
      description: 'Admin function for the scim-admin CLI (--function or SCIM_ADMIN_FUNCTION)',
      value: this.scim.adminFunction.lambdaFunction.functionName,
    });
    new CfnOutput(this, 'AdminPortalUrlBase', {
      description: 'Admin Portal: links made with `scim-admin portal link` open below this URL',
      value: this.scim.portalUrlBase,
    });
    new CfnOutput(this, 'EventBusName', {
      description: 'EventBridge bus carrying directory events',
      value: this.scim.eventBus.eventBusName,
    });
    new CfnOutput(this, 'EventBusArn', { value: this.scim.eventBus.eventBusArn });
    new CfnOutput(this, 'DirectoryApiUrl', {
      description: 'Base URL of the host Directory API (SigV4-signed requests; see docs/host-api.md)',
      value: this.scim.tenantUrlBase.replace(/\/scim\/v2$/, '/api/v1'),
    });
    new CfnOutput(this, 'DirectoryApiReadPolicy', {
      description: 'Least-privilege IAM policy for a host service that reads the Directory API (or call grantDirectoryRead)',
      value: Stack.of(this).toJsonString({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: this.scim.directoryReadArns() }],
      }),
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table of all directories',
      value: this.scim.table.tableName,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic of every alarm and recovery: subscribe e-mail, a pager or a chat integration',
      value: this.scim.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'TokenSecretPrefix', {
      description: "Name prefix of this deployment's token secrets in Secrets Manager",
      value: this.scim.tokenSecretPrefix,
    });
  }
}
