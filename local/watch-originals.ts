import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';

import type { S3Client } from '@aws-sdk/client-s3';

import { originalFile, uploadOriginal } from './originals-folder';

/** Quiet time after the last change to a file before it is uploaded (an editor writes in bursts). */
const SETTLE_MS = 300;

/**
 * Uploads each file added or changed below `dir` once it settles, the way a user's `aws s3 cp` would:
 * s3rver then emits the S3 event that triggers the local batch resizer. Files that are not originals
 * are reported once and left alone; a failed upload is reported, and the watch goes on.
 */
export function watchOriginals(
  dir: string,
  client: S3Client,
  bucket: string,
  progress: (message: string) => void,
): FSWatcher {
  const pending = new Map<string, NodeJS.Timeout>();
  const upload = async (name: string) => {
    try {
      const file = await originalFile(dir, join(dir, name));
      if (typeof file === 'string') return progress(`watch: skipped ${name} (${file})`);
      await uploadOriginal(client, bucket, file);
      progress(`watch: uploaded ${file.key}`);
    } catch (error) {
      // Deleted or renamed before it settled: nothing to upload.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        progress(`watch: could not upload ${name}: ${(error as Error).message}`);
    }
  };
  const watcher = watch(dir, { recursive: true }, (_event, name) => {
    if (!name || name.split(/[\\/]/).some((part) => part.startsWith('.'))) return;
    clearTimeout(pending.get(name));
    pending.set(
      name,
      setTimeout(() => {
        pending.delete(name);
        void upload(name);
      }, SETTLE_MS),
    );
  });
  const close = watcher.close.bind(watcher);
  watcher.close = () => {
    for (const timer of pending.values()) clearTimeout(timer);
    close();
  };
  return watcher;
}
