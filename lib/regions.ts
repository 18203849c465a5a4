/**
 * Which AWS regions offer the optional parts of the stack, and CloudFormation conditions that turn
 * those parts off elsewhere, so that one environment-agnostic template deploys in every region.
 *
 * Source: the per-region resource type lists of CloudFormation's published resource provider
 * schemas, as bundled with AWS's CloudFormation linter (cfn-lint 1.51). The test suite lints the
 * template for every region of {@link TESTED_REGIONS} with that linter.
 */
import { CfnCondition, Fn, Token, type ICfnConditionExpression } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Commercial regions the template is linted and synthesised for in the test suite. */
export const TESTED_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1',
  'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'ca-central-1', 'ca-west-1',
  'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1',
] as const;

/**
 * Regions with the EventBridge schema registry (`AWS::EventSchemas::*`). An allow-list: regions
 * that open later usually get the registry late, so an unknown region goes without it.
 */
export const SCHEMA_REGISTRY_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1',
  'ap-east-1', 'ap-south-1',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
  'ca-central-1',
  'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'me-central-1', 'me-south-1', 'sa-east-1',
  'cn-north-1', 'cn-northwest-1',
  'us-gov-east-1', 'us-gov-west-1',
];

/** Regions where CloudFormation offers no EventBridge archive (`AWS::Events::Archive`). */
export const ARCHIVE_UNAVAILABLE_REGIONS: readonly string[] = ['ca-west-1', 'mx-central-1'];

/** `Fn::Or` takes two to ten conditions, so longer lists are split into nested groups. */
const MAX_OR_CONDITIONS = 10;

function regionIn(regions: readonly string[]): ICfnConditionExpression {
  const equals = regions.map((region) => Fn.conditionEquals({ Ref: 'AWS::Region' }, region));
  if (equals.length === 1) return equals[0]!;
  if (equals.length <= MAX_OR_CONDITIONS) return Fn.conditionOr(...equals);
  const groups: ICfnConditionExpression[] = [];
  for (let i = 0; i < regions.length; i += MAX_OR_CONDITIONS) groups.push(regionIn(regions.slice(i, i + MAX_OR_CONDITIONS)));
  return groups.length === 1 ? groups[0]! : Fn.conditionOr(...groups);
}

/**
 * Whether a part offered only in some regions is deployed:
 * - `true` / `false`: the part is present or absent, known at synth time;
 * - a `CfnCondition`: the region is not known at synth time (an environment-agnostic stack), so
 *   CloudFormation decides at deploy time from `AWS::Region`.
 */
export type RegionalAvailability = boolean | CfnCondition;

/**
 * Availability of a part in the stack's region. `regions` lists where it exists (`mode: 'only'`) or
 * where it does not (`mode: 'except'`).
 */
export function availabilityInRegion(
  scope: Construct,
  id: string,
  region: string,
  regions: readonly string[],
  mode: 'only' | 'except',
): RegionalAvailability {
  if (!Token.isUnresolved(region)) return mode === 'only' ? regions.includes(region) : !regions.includes(region);
  const inList = regionIn(regions);
  return new CfnCondition(scope, id, { expression: mode === 'only' ? inList : Fn.conditionNot(inList) });
}
