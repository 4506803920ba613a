import { resizeTimeout } from './errors';

/**
 * `work`, or a `timeout` error once `ms` have passed, whichever comes first. Kept apart from the sharp
 * pipeline so that the edge's pass-through path can use it without loading sharp.
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(resizeTimeout()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
