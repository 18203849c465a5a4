/**
 * Alarms and a dashboard for the whole service: API 5xx rate, throttling, function errors, stream
 * lag and parked events.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Alarm thresholds. */
export interface AlarmThresholds {
  /** Fraction of API requests answered 5xx over five minutes. @default 0.01 (1 %) */
  readonly api5xxRate?: number;
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
  /** Where alarms (and their recovery) are announced. @default no actions */
  readonly alarmTopic?: sns.ITopic;
  readonly thresholds?: AlarmThresholds;
}

const FIVE_MINUTES = Duration.minutes(5);

/** The alarms and the dashboard. */
export class ScimMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ScimMonitoringProps) {
    super(scope, id);
    const thresholds = props.thresholds ?? {};
    const api = props.restApi;

    // 5XXError is 0 or 1 per request, so its average is the share of failed requests.
    const api5xxRate = api.metricServerError({ statistic: 'Average', period: FIVE_MINUTES });
    this.alarm('Api5xxRate', {
      metric: api5xxRate,
      threshold: thresholds.api5xxRate ?? 0.01,
      description: 'More than the allowed share of SCIM requests failed with a 5xx',
    });

    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}Errors`, {
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 0,
        description: `The ${name} function raised errors (uncaught: SCIM errors are answers, not errors)`,
      });
      this.alarm(`${name}Throttles`, {
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 0,
        description: `Invocations of the ${name} function were throttled`,
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
      description: 'Stream records could not be turned into events and were parked in the dead-letter queue',
    });

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
    options: { metric: cloudwatch.IMetric; threshold: number; description: string; evaluationPeriods?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No traffic is not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}
