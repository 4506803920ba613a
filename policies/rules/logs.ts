// CloudWatch Logs: every log group expires its events, so logs neither grow forever nor outlive their use.
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

import { RESOURCE_TYPES } from '../lib/resource-types';
import { configWithDefaults, Policy, reportingUnknowns } from '../lib/support';

const LOG_GROUP = RESOURCE_TYPES.logGroup;

const retentionSchema = {
  properties: {
    maxRetentionDays: {
      type: 'integer' as const,
      default: 3653,
      description: 'Longest accepted retention; 3653 (ten years) is the longest CloudWatch offers.',
    },
  },
};

export const logsRetention: ResourceValidationPolicy = {
  name: 'logs-retention',
  description: 'A CloudWatch log group sets a retention period.',
  enforcementLevel: 'advisory',
  configSchema: retentionSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== LOG_GROUP) return;
    const { maxRetentionDays } = configWithDefaults<{ maxRetentionDays: number }>(retentionSchema, args);
    const days = args.props.retentionInDays;
    // 0 or unset means "never expire" to CloudWatch.
    if (typeof days !== 'number' || days <= 0) {
      report('log group never expires: set retentionInDays (e.g. 14 or 30).');
    } else if (days > maxRetentionDays) {
      report(`retentionInDays is ${days}: set it to at most ${maxRetentionDays}.`);
    }
  }),
};

export const logsPolicies: Policy[] = [logsRetention];
