import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { dashboardBody, type DashboardInputs } from './dashboard-body';

type Named = 'distributionId' | 'edgeFunctionName' | 'batchFunctionName' | 'failureQueueName';

export interface DashboardArgs extends Omit<DashboardInputs, Named> {
  /** Physical name of the dashboard. */
  readonly dashboardName: string;
  readonly distributionId: pulumi.Input<string>;
  readonly edgeFunctionName: pulumi.Input<string>;
  readonly batchFunctionName: pulumi.Input<string>;
  readonly failureQueueName: pulumi.Input<string>;
}

/**
 * One CloudWatch dashboard per stack (dashboard-body.ts), and, when `additionalMetrics` is on, the
 * distribution's CloudFront additional metrics (cache hit rate, origin latency, error rates by status),
 * which CloudFront charges for ("Enable additional CloudFront distribution metrics", CloudFront Developer
 * Guide, viewing-cloudfront-metrics.html).
 */
export class StackDashboard extends pulumi.ComponentResource {
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly monitoringSubscription?: aws.cloudfront.MonitoringSubscription;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:StackDashboard', name, {}, opts);
    const parent = this;
    const { dashboardName, ...inputs } = args;

    this.monitoringSubscription = args.additionalMetrics
      ? new aws.cloudfront.MonitoringSubscription(
          `${name}-additional-metrics`,
          {
            distributionId: args.distributionId,
            monitoringSubscription: {
              realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' },
            },
          },
          { parent },
        )
      : undefined;
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName,
        dashboardBody: pulumi
          .all([args.distributionId, args.edgeFunctionName, args.batchFunctionName, args.failureQueueName])
          .apply(([distributionId, edgeFunctionName, batchFunctionName, failureQueueName]) =>
            JSON.stringify(
              dashboardBody({
                ...inputs,
                distributionId,
                edgeFunctionName,
                batchFunctionName,
                failureQueueName,
              }),
            ),
          ),
      },
      { parent },
    );
    this.registerOutputs({ dashboard: this.dashboard, monitoringSubscription: this.monitoringSubscription });
  }
}
