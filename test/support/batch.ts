import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';

import { type BatchConfig, type BatchConfigJson, readBatchConfig } from '../../functions/batch/batch-config';
import { type LocalConfigValues, localFunctionConfigs } from '../../local/local-config';

export const ORIGINALS = 'originals';
export const DERIVATIVES = 'derivatives';

/**
 * The configuration the batch resizer of a stack with these renditions (and stack config `values`)
 * reads, on the test buckets: built by the deploy's own `batchConfigFor` and read back from its JSON.
 * `patch` changes the JSON as written, for cases no stack config produces.
 */
export function batchConfig(
  renditions: readonly string[],
  values: LocalConfigValues = {},
  patch: (json: BatchConfigJson) => BatchConfigJson = (json) => json,
): BatchConfig {
  const { batch } = localFunctionConfigs({ ...values, batchRenditions: JSON.stringify(renditions) });
  const json = patch({ ...batch, originalsBucket: ORIGINALS, derivativesBucket: DERIVATIVES });
  return readBatchConfig(JSON.stringify(json));
}

export async function putOriginal(client: S3Client, key: string, body: Buffer): Promise<string> {
  const out = await client.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: key, Body: body }));
  return (out.ETag ?? '').replace(/"/g, '');
}

export async function deleteObject(client: S3Client, bucket: string, key: string) {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((object) => object.Key as string).sort();
}

export async function getObject(client: S3Client, bucket: string, key: string) {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return {
    body: Buffer.from(
      await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    ),
    contentType: out.ContentType,
    cacheControl: out.CacheControl,
    metadata: out.Metadata ?? {},
    lastModified: out.LastModified,
    etag: out.ETag,
  };
}

export async function headObject(client: S3Client, bucket: string, key: string) {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

export function s3Event(...records: S3EventRecord[]): S3Event {
  return { Records: records };
}

/** Collects the handler's JSON log lines. */
export function logSink() {
  const lines: Record<string, unknown>[] = [];
  return { lines, sink: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
}
