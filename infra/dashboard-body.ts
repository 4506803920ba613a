import { EDGE_REGION } from './limits';

/**
 * The stack's dashboard body ("Dashboard body structure and syntax", CloudWatch API Reference):
 * is the CDN healthy, where, and why not. Each metric widget names its region, so one dashboard shows
 * CloudFront (us-east-1, DistributionId + Region=Global), each edge region's Lambda@Edge replicas
 * (AWS/Lambda, `us-east-1.<name>`, in the region where they ran) and the handler's own metrics there (its
 * logs, so its Embedded Metric Format metrics, land in that region too), and the batch resizer and its
 * failure queue (home region). Pure: tests read it without mocks.
 */
export interface DashboardInputs {
  readonly homeRegion: string;
  readonly distributionId: string;
  readonly edgeFunctionName: string;
  readonly edgeRegions: readonly string[];
  readonly batchFunctionName: string;
  readonly failureQueueName: string;
  readonly metricsNamespace: string;
  /** CloudFront's additional metrics are on (a MonitoringSubscription): add the cache hit rate. */
  readonly additionalMetrics: boolean;
  /**
   * The stack has replica regions: add the regions the edge's misses passed over (RegionFallbacks).
   * @default false
   */
  readonly replicated?: boolean;
}

/** One metric line: namespace, name, dimension name/value pairs, then optional rendering options. */
export type MetricLine = [string, string, ...Array<string | Record<string, unknown>>];

export interface MetricWidget {
  readonly type: 'metric';
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly metrics: MetricLine[];
    readonly stat: string;
    readonly period: number;
    readonly view: 'timeSeries';
  };
}

const widget = (title: string, region: string, metrics: MetricLine[], stat = 'Sum'): MetricWidget => ({
  type: 'metric',
  width: 12,
  height: 6,
  properties: { title, region, metrics, stat, period: 300, view: 'timeSeries' },
});

/** The status classes the edge handler's metrics are dimensioned by (functions/metrics/emf.ts). */
const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'];

export function dashboardBody(inputs: DashboardInputs): { widgets: MetricWidget[] } {
  const cloudFront = (metric: string, options: Record<string, unknown> = {}): MetricLine => [
    'AWS/CloudFront',
    metric,
    'DistributionId',
    inputs.distributionId,
    'Region',
    'Global',
    options,
  ];
  const lambda = (name: string, metric: string, options: Record<string, unknown> = {}): MetricLine => [
    'AWS/Lambda',
    metric,
    'FunctionName',
    name,
    options,
  ];
  const own = inputs.metricsNamespace;
  const replica = `${EDGE_REGION}.${inputs.edgeFunctionName}`;
  const widgets: MetricWidget[] = [
    widget('CloudFront requests and bytes', EDGE_REGION, [
      cloudFront('Requests'),
      cloudFront('BytesDownloaded', { yAxis: 'right' }),
    ]),
    widget(
      'CloudFront 4xx and 5xx rate (%)',
      EDGE_REGION,
      [cloudFront('4xxErrorRate'), cloudFront('5xxErrorRate')],
      'Average',
    ),
  ];
  if (inputs.additionalMetrics)
    widgets.push(
      widget('CloudFront cache hit rate (%)', EDGE_REGION, [cloudFront('CacheHitRate')], 'Average'),
    );
  for (const region of new Set(inputs.edgeRegions)) {
    widgets.push(
      widget(`Lambda@Edge in ${region}: invocations, errors, throttles, duration`, region, [
        lambda(replica, 'Invocations'),
        lambda(replica, 'Errors'),
        lambda(replica, 'Throttles'),
        lambda(replica, 'Duration', { stat: 'p99', yAxis: 'right' }),
      ]),
      widget(`Edge misses in ${region}: by status class, resize time`, region, [
        ...STATUS_CLASSES.map((statusClass): MetricLine => [own, 'Requests', 'StatusClass', statusClass]),
        [own, 'ResizeTime', 'StatusClass', '2xx', { stat: 'p99', yAxis: 'right' }],
        [own, 'S3GetTime', 'StatusClass', '2xx', { stat: 'p99', yAxis: 'right' }],
        ...(inputs.replicated ? [[own, 'RegionFallbacks', 'StatusClass', '2xx'] as MetricLine] : []),
      ]),
    );
  }
  const uploads = (metric: string): MetricLine => [own, metric, 'Trigger', 's3'];
  widgets.push(
    widget('Batch resizer: errors and duration', inputs.homeRegion, [
      lambda(inputs.batchFunctionName, 'Errors'),
      lambda(inputs.batchFunctionName, 'Duration', { stat: 'p99', yAxis: 'right' }),
    ]),
    widget('Batch renditions from uploads', inputs.homeRegion, [
      uploads('RenditionsWritten'),
      uploads('RenditionsUnchanged'),
      uploads('Skipped'),
      uploads('Failed'),
    ]),
    widget(
      'Failure queue depth (events given up on)',
      inputs.homeRegion,
      [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', inputs.failureQueueName]],
      'Maximum',
    ),
  );
  return { widgets };
}
