import type { QueryRules } from '../core/rules';

/** What the viewer-request CloudFront Function is built with; baked into its code at build time. */
export interface ViewerConfig {
  readonly rules: QueryRules;
  /** Origin id of the originals bucket, selected for requests that ask for no transform. */
  readonly originalsOriginId: string;
  /** `max-age` of the function's own 400 answers, in seconds. */
  readonly errorMaxAge: number;
  /** When set, requests must carry a valid `s` signature (HMAC-SHA256). */
  readonly signingSecret?: string;
}
