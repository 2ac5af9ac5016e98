import crypto from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  S3Client,
  type ListMultipartUploadsCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConfigError, type S3Settings } from '../infra/config/config.js';
import { blobKey, isSha256, meteredStream, type BlobCheck, type BlobStore, type StagedBlob } from './storage.js';

/**
 * Parts of a multipart upload: S3's minimum. lib-storage holds QUEUE_SIZE parts in flight plus
 * the one it is filling, so one upload buffers 10 to 15 MB whatever the file size. One part at a
 * time keeps the server's memory down (bench/upload-memory.ts, docs/storage.md); a 75 MB file is
 * 15 parts in turn.
 */
const PART_BYTES = 5 * 1024 * 1024;
const QUEUE_SIZE = 1;
const STAGING_PREFIX = 'tmp/';
const STAGING_KEY = /^tmp\/[0-9a-f-]{36}\.part$/;

/** The HTTP status of an S3 error (the SDK puts it in `$metadata`). */
const httpStatusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Blobs in an S3-compatible bucket under the same keys as on disk (`blobs/ab/cd/<sha256>`),
 * staged bytes under `tmp/`. Every server and worker machine sharing the database points at the
 * same bucket, so none needs another's disk.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(private readonly settings: Readonly<S3Settings>) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // The SDK's default, a CRC32 checksum on every request and response, is not understood by
      // every S3-compatible server (see STACK.md); we hash every upload ourselves (its sha256 is
      // its key).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // An unreachable endpoint fails in seconds, not at the OS's connect timeout; a stalled
      // transfer is cut after a minute without a byte.
      requestHandler: { connectionTimeout: 5000, socketTimeout: 60_000 },
    });
  }

  /** Start-up check: the bucket exists and these credentials may use it (else a ConfigError). */
  async verify(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const status = httpStatusOf(error);
      const why =
        status === 404
          ? 'the bucket does not exist'
          : status === 403 || status === 401
            ? 'access denied (check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)'
            : `${(error as Error).name}: ${(error as Error).message}`;
      throw new ConfigError(`S3 bucket "${this.bucket}" at ${this.settings.endpoint ?? `AWS ${this.settings.region}`} is not usable: ${why}`);
    }
  }

  async stage(source: Readable, check?: BlobCheck): Promise<StagedBlob> {
    const stagingKey = `${STAGING_PREFIX}${crypto.randomUUID()}.part`;
    const meter = meteredStream(check);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: stagingKey, Body: meter.stream, ContentType: 'application/octet-stream' },
      partSize: PART_BYTES,
      queueSize: QUEUE_SIZE,
      // On any failure lib-storage aborts the multipart upload, so no part is left billed.
      leavePartsOnError: false,
    });
    const fed = pipeline(source, meter.stream);
    // If S3 fails first, nothing reads the meter any more: end the feed too, or it waits forever.
    const done = upload.done().catch((error: unknown) => {
      meter.stream.destroy(error as Error);
      throw error;
    });
    const [feeding, uploading] = await Promise.allSettled([fed, done]);
    if (feeding.status === 'fulfilled' && uploading.status === 'fulfilled') return { ...meter.result(), stagingKey };

    // A refused or cut-off file is what the caller explains; S3's answer to the abort that
    // follows it (some servers do not implement AbortMultipartUpload) must not replace it.
    await this.deleteKey(stagingKey).catch(() => {});
    throw feeding.status === 'rejected' ? feeding.reason : (uploading as PromiseRejectedResult).reason;
  }

  async commit(staged: StagedBlob): Promise<void> {
    const key = blobKey(staged.sha256);
    // Under the sha256's lock no delete runs, so a blob seen here stays; identical bytes need no copy.
    if (!(await this.exists(key))) {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${this.stagingKeyOf(staged)}` }),
      );
    }
    await this.discard(staged);
  }

  async discard(staged: StagedBlob): Promise<void> {
    await this.deleteKey(this.stagingKeyOf(staged));
  }

  has(sha256: string): Promise<boolean> {
    return this.exists(blobKey(sha256));
  }

  read(sha256: string): Readable {
    const key = blobKey(sha256);
    // The GET starts now and its body flows through with backpressure; a consumer that goes
    // away destroys `out`, which ends the GET.
    const out = new PassThrough();
    this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })).then(
      (response) => pipeline(response.Body as Readable, out).catch(() => {}),
      (error: unknown) => out.destroy(error as Error),
    );
    return out;
  }

  async remove(sha256: string): Promise<void> {
    await this.deleteKey(blobKey(sha256));
  }

  async *list(): AsyncGenerator<string> {
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: 'blobs/' })) {
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(object.Key.lastIndexOf('/') + 1) ?? '';
        if (isSha256(name)) yield name;
      }
    }
  }

  async removeStalePartials(before: Date): Promise<number> {
    let removed = 0;
    // Staged copies a crash left between upload and commit.
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: STAGING_PREFIX })) {
      for (const object of page.Contents ?? []) {
        if (object.Key && object.LastModified && object.LastModified < before) {
          await this.deleteKey(object.Key);
          removed++;
        }
      }
    }
    // Multipart uploads a crash left unfinished: invisible to listings, but stored (and billed).
    for (let marker: { KeyMarker?: string; UploadIdMarker?: string } = {}; ; ) {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: STAGING_PREFIX, ...marker }));
      } catch (error) {
        // Some S3-compatible servers cannot list them; a bucket lifecycle rule is the fallback there.
        if (httpStatusOf(error) === 501) break;
        throw error;
      }
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId && upload.Initiated && upload.Initiated < before) {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          removed++;
        }
      }
      if (!page.IsTruncated) break;
      marker = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
    return removed;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (httpStatusOf(error) === 404) return false;
      throw error;
    }
  }

  private async deleteKey(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  private stagingKeyOf(staged: StagedBlob): string {
    if (!STAGING_KEY.test(staged.stagingKey)) throw new Error(`not a staging key: ${staged.stagingKey}`);
    return staged.stagingKey;
  }
}
