import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { encodeS3EventKey } from '../../functions/batch/event';
import { readBatchConfig, type BatchConfig, type BatchConfigJson } from '../../functions/batch/batch-config';
import { localFunctionConfigs, type LocalConfigValues } from '../../local/local-config';

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

/** An S3 event record as Lambda receives it from S3 (notification format 2.1), the key URL-encoded. */
export function s3Record(
  bucket: string,
  key: string,
  options: { eTag?: string; eventName?: string; size?: number } = {},
): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-11-26T12:00:00.000Z',
    eventName: options.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.7' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'batch-resizer',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: {
        key: encodeS3EventKey(key),
        size: options.size ?? 1024,
        eTag: options.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

export function s3Event(...records: S3EventRecord[]): S3Event {
  return { Records: records };
}

/** Collects the handler's JSON log lines. */
export function logSink() {
  const lines: Record<string, unknown>[] = [];
  return { lines, sink: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
}
