import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { alarmTopicPolicy } from './iam';
import { jsonPolicy } from './json-policy';
import { EDGE_REGION } from './limits';

export interface MonitoringArgs {
  /** Physical name of the topics (one per region, so the same name in each). */
  readonly topicName: string;
  /** Physical name prefix of the alarms; each alarm is `<prefix>-<what>`. */
  readonly alarmPrefix: string;
  /** The stack's home region: the batch resizer and its failure queue. */
  readonly homeRegion: string;
  /**
   * Regions where Lambda@Edge replicas run and publish their metrics (the stack's `edgeLogRegions`).
   * A plain array: each region gets its own alarm and topic.
   */
  readonly edgeRegions: readonly string[];
  /** The edge function's name: its replicas' metrics carry `FunctionName=us-east-1.<name>`. */
  readonly edgeFunctionName: pulumi.Input<string>;
  readonly batchFunctionName: pulumi.Input<string>;
  readonly failureQueueName: pulumi.Input<string>;
  readonly distributionId: pulumi.Input<string>;
  /** CloudFront's `5xxErrorRate` (percent of requests) above which the alarm fires. */
  readonly errorRatePercent: number;
  /** Subscribed to every topic this component creates (each asks to be confirmed); empty for none. */
  readonly email: string;
  /**
   * An existing topic for the alarms of its own region (the region in its ARN): no topic is created there,
   * and its policy and subscriptions stay its owner's.
   * @default undefined (a topic in every region with alarms)
   */
  readonly existingTopicArn?: string;
  readonly awsProfile?: string;
}

/**
 * The stack's alarms and the SNS topics they notify. A metric lands in one region and an alarm watches
 * the metrics of its own region, so alarms live where the metrics are: CloudFront's in us-east-1, each
 * Lambda@Edge replica's in the region where it ran ("Lambda@Edge CloudWatch metrics and logs"), the batch
 * resizer's and its queue's in the home region. Each alarm notifies a topic of its own region, whose
 * policy lets only this stack's CloudWatch alarms of that region publish (iam.ts alarmTopicPolicy).
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The ARN of the topic each region's alarms notify, by region. */
  readonly topicArns: Readonly<Record<string, pulumi.Output<string>>>;
  readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:Monitoring', name, {}, opts);
    const parent = this;
    const regions = [...new Set([EDGE_REGION, args.homeRegion, ...args.edgeRegions])];
    const providers = Object.fromEntries(
      regions.map((region) => [
        region,
        new aws.Provider(`${name}-${region}`, { region, profile: args.awsProfile }, { parent }),
      ]),
    );
    const account = aws.getCallerIdentityOutput(
      {},
      { parent, provider: providers[args.homeRegion] },
    ).accountId;
    const existingRegion = args.existingTopicArn?.split(':')[3];
    const topics = Object.fromEntries(
      regions.map((region) => [
        region,
        region === existingRegion ? pulumi.output(args.existingTopicArn!) : createTopic(region).arn,
      ]),
    );
    this.topicArns = topics;

    this.alarms = [
      alarm(EDGE_REGION, 'cdn-5xx', {
        description: `More than ${args.errorRatePercent} % of the CDN's requests answered 5xx over 5 minutes.`,
        namespace: 'AWS/CloudFront',
        metricName: '5xxErrorRate',
        dimensions: { DistributionId: args.distributionId, Region: 'Global' },
        statistic: 'Average',
        threshold: args.errorRatePercent,
      }),
      ...args.edgeRegions.map((region) =>
        alarm(region, `edge-errors-${region}`, {
          description: `The edge function failed in ${region} (its log group there says why).`,
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensions: { FunctionName: pulumi.interpolate`${EDGE_REGION}.${args.edgeFunctionName}` },
          statistic: 'Sum',
          threshold: 0,
        }),
      ),
      alarm(args.homeRegion, 'batch-errors', {
        description: 'The batch resizer failed (it retries; its log group says why).',
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: args.batchFunctionName },
        statistic: 'Sum',
        threshold: 0,
      }),
      alarm(args.homeRegion, 'batch-failures-queued', {
        description:
          'An upload event failed every retry and waits in the failure queue (docs/batch-resizer.md).',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: args.failureQueueName },
        statistic: 'Maximum',
        threshold: 0,
      }),
    ];
    this.registerOutputs({ topicArns: this.topicArns, alarms: this.alarms });

    function createTopic(region: string): aws.sns.Topic {
      const opts = { parent, provider: providers[region] };
      const topic = new aws.sns.Topic(`${name}-topic-${region}`, { name: args.topicName }, opts);
      new aws.sns.TopicPolicy(
        `${name}-topic-policy-${region}`,
        {
          arn: topic.arn,
          policy: jsonPolicy({ arn: topic.arn, accountId: account }, ({ arn, accountId }) =>
            alarmTopicPolicy(arn, accountId, region, args.alarmPrefix),
          ),
        },
        opts,
      );
      if (args.email)
        new aws.sns.TopicSubscription(
          `${name}-email-${region}`,
          { topic: topic.arn, protocol: 'email', endpoint: args.email },
          opts,
        );
      return topic;
    }

    function alarm(
      region: string,
      what: string,
      metric: {
        description: string;
        namespace: string;
        metricName: string;
        dimensions: Record<string, pulumi.Input<string>>;
        statistic: string;
        threshold: number;
      },
    ): aws.cloudwatch.MetricAlarm {
      const actions = [topics[region]!];
      return new aws.cloudwatch.MetricAlarm(
        `${name}-${what}`,
        {
          name: `${args.alarmPrefix}-${what}`,
          alarmDescription: metric.description,
          namespace: metric.namespace,
          metricName: metric.metricName,
          dimensions: metric.dimensions,
          statistic: metric.statistic,
          period: 300,
          evaluationPeriods: 1,
          threshold: metric.threshold,
          comparisonOperator: 'GreaterThanThreshold',
          // No data means no requests or no failures: not an alarm.
          treatMissingData: 'notBreaching',
          alarmActions: actions,
          okActions: actions,
        },
        { parent, provider: providers[region] },
      );
    }
  }
}
