/**
 * Alarms and a dashboard for the whole service: API 5xx rate and latency, function error rates,
 * throttles and durations near the timeout, table throttles, stream lag, parked events and failed
 * background work.
 *
 * Rate alarms need a minimum number of failures as well as a share, so that one failed request
 * at night (one in three is 33 %) does not page anyone, while a real outage does within minutes.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PARKED_LOG_MESSAGE } from '../functions/fanout/parking.ts';

/** Alarm thresholds. */
export interface AlarmThresholds {
  /** Fraction of API requests answered 5xx over five minutes. @default 0.01 (1 %) */
  readonly api5xxRate?: number;
  /** Fraction of a function's invocations that failed over five minutes. @default 0.01 (1 %) */
  readonly functionErrorRate?: number;
  /** Fewest 5xx answers or function errors in five minutes for a rate alarm to fire. @default 3 */
  readonly minimumErrors?: number;
  /** API p99 latency held for three five-minute periods in a row. @default 3 seconds */
  readonly apiLatencyP99?: Duration;
  /** p99 duration as a share of the function's timeout, in two of three five-minute periods. @default 0.8 */
  readonly durationShareOfTimeout?: number;
  /** Age of the oldest stream record the fan-out has not handled yet. @default 5 minutes */
  readonly streamIteratorAge?: Duration;
}

/** Properties of {@link ScimMonitoring}. */
export interface ScimMonitoringProps {
  readonly restApi: apigateway.RestApi;
  /** Functions by display name, in dashboard order. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly streamFanoutFunction: lambda.IFunction;
  readonly table: dynamodb.ITableV2;
  readonly deadLetterQueue: sqs.IQueue;
  /** The fan-out's log group: its "stream record parked" lines are counted into an alarm. */
  readonly streamFanoutLogGroup?: logs.ILogGroup;
  /** Where failed asynchronous self-invocations of the admin function land. */
  readonly adminFailureQueue?: sqs.IQueue;
  /** Functions (by display name) whose duration is watched against their timeout. */
  readonly timeouts?: Readonly<Record<string, Duration>>;
  /** Where alarms (and their recovery) are announced. @default no actions */
  readonly alarmTopic?: sns.ITopic;
  readonly thresholds?: AlarmThresholds;
}

const FIVE_MINUTES = Duration.minutes(5);
/** Where the count of parked stream records is published (by a metric filter on the fan-out's logs). */
export const PARKED_METRIC_NAMESPACE = 'ScimDirectorySync';
export const PARKED_METRIC_NAME = 'ParkedStreamRecords';

/** The alarms and the dashboard. */
export class ScimMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ScimMonitoringProps) {
    super(scope, id);
    const thresholds = props.thresholds ?? {};
    const api = props.restApi;

    const minimumErrors = thresholds.minimumErrors ?? 3;
    this.alarm('Api5xxRate', {
      metric: errorRate('API 5xx share', api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }), api.metricCount({ statistic: 'Sum', period: FIVE_MINUTES }), minimumErrors),
      threshold: thresholds.api5xxRate ?? 0.01,
      description: `More than the allowed share of SCIM requests failed with a 5xx (and at least ${minimumErrors} did)`,
    });
    const apiLatencyP99 = thresholds.apiLatencyP99 ?? Duration.seconds(3);
    this.alarm('ApiLatencyP99', {
      metric: api.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
      threshold: apiLatencyP99.toMilliseconds(),
      evaluationPeriods: 3,
      description: `SCIM requests took longer than ${apiLatencyP99.toSeconds()} s at p99 for 15 minutes`,
    });

    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}Errors`, {
        metric: errorRate(
          `${name} error share`,
          fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
          fn.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }),
          minimumErrors,
        ),
        threshold: thresholds.functionErrorRate ?? 0.01,
        description: `The ${name} function raised errors in more than the allowed share of invocations (uncaught: SCIM errors are answers, not errors)`,
      });
      this.alarm(`${name}Throttles`, {
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 0,
        description: `Invocations of the ${name} function were throttled`,
      });
    }

    const durationShare = thresholds.durationShareOfTimeout ?? 0.8;
    for (const [name, timeout] of Object.entries(props.timeouts ?? {})) {
      const fn = props.functions[name];
      if (fn === undefined) continue;
      this.alarm(`${name}DurationNearTimeout`, {
        metric: fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }),
        threshold: Math.round(timeout.toMilliseconds() * durationShare),
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        description: `The ${name} function's p99 duration is above ${Math.round(durationShare * 100)} % of its ${timeout.toSeconds()} s timeout`,
      });
    }

    const tableThrottles = new cloudwatch.MathExpression({
      label: 'DynamoDB throttled requests',
      expression: 'FILL(r, 0) + FILL(w, 0)',
      period: FIVE_MINUTES,
      usingMetrics: {
        r: this.tableMetric(props.table, 'ReadThrottleEvents'),
        w: this.tableMetric(props.table, 'WriteThrottleEvents'),
      },
    });
    this.alarm('TableThrottles', {
      metric: tableThrottles,
      threshold: 0,
      description: 'DynamoDB throttled reads or writes of the directory table',
    });

    const iteratorAge = props.streamFanoutFunction.metric('IteratorAge', {
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    this.alarm('StreamIteratorAge', {
      metric: iteratorAge,
      threshold: (thresholds.streamIteratorAge ?? FIVE_MINUTES).toMilliseconds(),
      evaluationPeriods: 5,
      description: 'Directory events are falling behind the table changes',
    });

    const parked = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    this.alarm('DeadLetterQueueDepth', {
      metric: parked,
      threshold: 0,
      description: 'Stream records could neither be delivered nor parked; the dead-letter queue holds only pointers to them in the stream, which trims records 24 hours after the change',
    });

    if (props.streamFanoutLogGroup !== undefined) {
      // The fan-out logs one line per record it parks (functions/fanout/stream-fanout.ts).
      new logs.MetricFilter(this, 'ParkedStreamRecordsFilter', {
        logGroup: props.streamFanoutLogGroup,
        filterPattern: logs.FilterPattern.stringValue('$.message', '=', PARKED_LOG_MESSAGE),
        metricNamespace: PARKED_METRIC_NAMESPACE,
        metricName: PARKED_METRIC_NAME,
        metricValue: '1',
        dimensions: { FunctionName: '$.function_name' },
        unit: cloudwatch.Unit.COUNT,
      });
      this.alarm('ParkedStreamRecords', {
        metric: new cloudwatch.Metric({
          namespace: PARKED_METRIC_NAMESPACE,
          metricName: PARKED_METRIC_NAME,
          dimensionsMap: { FunctionName: props.streamFanoutFunction.functionName },
          statistic: 'Sum',
          period: Duration.minutes(1),
        }),
        threshold: 0,
        description: 'The fan-out parked stream records it could not map or deliver; see them with `scim-admin events redrive --dry-run`',
      });
    }

    if (props.adminFailureQueue !== undefined) {
      this.alarm('AdminAsyncFailures', {
        metric: props.adminFailureQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
        threshold: 0,
        description: 'Background work of the admin function (a directory purge) failed and was parked in its failure queue',
      });
    }

    if (props.alarmTopic !== undefined) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'SCIM requests',
            left: [api.metricCount({ period: FIVE_MINUTES }), api.metricClientError({ period: FIVE_MINUTES })],
            right: [api.metricServerError({ period: FIVE_MINUTES })],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'SCIM latency (ms)',
            left: [
              api.metricLatency({ statistic: 'p50', period: FIVE_MINUTES }),
              api.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
              api.metricIntegrationLatency({ statistic: 'p99', period: FIVE_MINUTES }),
            ],
            width: 8,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: Object.entries(props.functions).map(([name, fn]) =>
              fn.metricErrors({ period: FIVE_MINUTES, label: name }),
            ),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration p99 (ms)',
            left: Object.entries(props.functions).map(([name, fn]) =>
              fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES, label: name }),
            ),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Throttles',
            left: Object.entries(props.functions).map(([name, fn]) =>
              fn.metricThrottles({ period: FIVE_MINUTES, label: name }),
            ),
            right: [tableThrottles],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'DynamoDB consumed capacity',
            left: [
              this.tableMetric(props.table, 'ConsumedReadCapacityUnits'),
              this.tableMetric(props.table, 'ConsumedWriteCapacityUnits'),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({ title: 'Event stream iterator age (ms)', left: [iteratorAge], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Parked stream records', left: [parked], width: 8 }),
        ],
      ],
    });
  }

  private tableMetric(table: dynamodb.ITableV2, metricName: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName,
      dimensionsMap: { TableName: table.tableName },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
  }

  private alarm(
    id: string,
    options: {
      metric: cloudwatch.IMetric;
      threshold: number;
      description: string;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      ...(options.datapointsToAlarm !== undefined ? { datapointsToAlarm: options.datapointsToAlarm } : {}),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No traffic is not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}

/**
 * `failures / attempts`, but 0 while failures are fewer than `minimum`: a share alone is noisy at
 * low traffic, a count alone is blind at high traffic.
 */
function errorRate(label: string, failures: cloudwatch.IMetric, attempts: cloudwatch.IMetric, minimum: number): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    label,
    // attempts >= failures >= minimum > 0 whenever the division happens.
    expression: `IF(FILL(f, 0) >= ${minimum}, FILL(f, 0) / FILL(a, 1), 0)`,
    period: FIVE_MINUTES,
    usingMetrics: { f: failures, a: attempts },
  });
}

/**
 * The default alarm topic. With `encryptionKey` it is encrypted with that key (whose policy lets
 * CloudWatch publish); without, it is not encrypted, because CloudWatch cannot publish to a topic
 * under the AWS managed `aws/sns` key.
 */
export function createAlarmTopic(scope: Construct, encryptionKey: kms.IKey | undefined): sns.Topic {
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: 'SCIM directory sync alarms',
    enforceSSL: true,
    ...(encryptionKey !== undefined ? { masterKey: encryptionKey } : {}),
  });
  if (encryptionKey === undefined) {
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed aws/sns key; notifications carry alarm names and metric values, no personal data. Pass encryptionKey to encrypt the topic with a customer-managed key.',
    });
  }
  return topic;
}
