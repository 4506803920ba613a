import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import { ORIGINAL_CONTENT_TYPES } from '../functions/core/spec';

/** An original on disk: its S3 key (the path below the folder, `/`-separated), file and size. */
export interface OriginalFile {
  readonly key: string;
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
}

export interface OriginalsFolder {
  readonly files: OriginalFile[];
  /** What was passed over, and why, for one line at start-up. */
  readonly skipped: { readonly path: string; readonly reason: string }[];
}

/** The file at `path` below `dir` as an original, or the reason it is not one. */
export async function originalFile(dir: string, path: string): Promise<OriginalFile | string> {
  const stat = await lstat(path);
  if (stat.isSymbolicLink()) return 'symbolic link';
  if (!stat.isFile()) return 'not a file';
  const contentType = ORIGINAL_CONTENT_TYPES[extname(path).toLowerCase()];
  if (!contentType) return `not one of ${Object.keys(ORIGINAL_CONTENT_TYPES).join(' ')}`;
  return { key: relative(dir, path).split(sep).join('/'), path, size: stat.size, contentType };
}

/** The originals below `dir` (subfolders included, dot files ignored) and what was skipped. */
export async function readOriginalsFolder(dir: string): Promise<OriginalsFolder> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: OriginalFile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(entry.parentPath, entry.name);
    const file = await originalFile(dir, path);
    if (typeof file === 'string') skipped.push({ path: relative(dir, path), reason: file });
    else files.push(file);
  }
  if (files.length === 0)
    throw new Error(`no images (${Object.keys(ORIGINAL_CONTENT_TYPES).join(', ')}) found in ${dir}`);
  return { files: files.sort((a, b) => a.key.localeCompare(b.key)), skipped };
}

/** Streams one original from disk into the bucket, never holding the whole file in memory. */
export async function uploadOriginal(client: S3Client, bucket: string, file: OriginalFile): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: file.key,
      Body: createReadStream(file.path),
      ContentLength: file.size,
      ContentType: file.contentType,
    }),
  );
}
