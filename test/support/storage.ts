import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';

export type StorageKind = 'local' | 's3';

/** The store tests use unless they choose: `TEST_STORAGE=s3` (the `s3` vitest project), else local. */
export const TEST_STORAGE: StorageKind = process.env.TEST_STORAGE === 's3' ? 's3' : 'local';

/**
 * A test's view of the file store a server uses, read and changed without the server's code
 * (docs/storage.md's key layout is the contract): files under DATA_DIR, or a bucket of its own
 * on the run's S3 server.
 */
export interface TestStorage {
  kind: StorageKind;
  /** What a server or worker process needs, besides DATA_DIR, to use this store. */
  env: Record<string, string>;
  /** Every stored object, as keys: `blobs/ab/cd/<sha256>` and staged `tmp/<id>.part`. */
  keys(): Promise<string[]>;
  hasBlob(sha256: string): Promise<boolean>;
  /** Deletes a blob behind the server's back, as a file lost from storage. */
  removeBlob(sha256: string): Promise<void>;
  /** Removes the bucket and everything in it (a local store goes with its DATA_DIR). */
  destroy(): Promise<void>;
}

const blobKey = (sha256: string) => `blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

export async function createTestStorage(kind: StorageKind, dataDir: string): Promise<TestStorage> {
  return kind === 's3' ? createBucket() : localStorage(path.join(dataDir, 'files'));
}

function localStorage(root: string): TestStorage {
  return {
    kind: 'local',
    env: { STORAGE: 'local' },
    async keys() {
      if (!fs.existsSync(root)) return [];
      return (fs.readdirSync(root, { recursive: true }) as string[])
        .filter((p) => fs.statSync(path.join(root, p)).isFile())
        .map((p) => p.split(path.sep).join('/'));
    },
    async hasBlob(sha256) {
      return fs.existsSync(path.join(root, blobKey(sha256)));
    },
    async removeBlob(sha256) {
      fs.rmSync(path.join(root, blobKey(sha256)));
    },
    async destroy() {},
  };
}

async function createBucket(): Promise<TestStorage> {
  const endpoint = inject('s3Endpoint');
  if (!endpoint) throw new Error('No S3 server in this run: add test/support/s3-server.ts to the globalSetup');
  const env = {
    STORAGE: 's3',
    // Bucket names follow S3's rules: lowercase, 3 to 63 characters.
    S3_BUCKET: `sa-test-${crypto.randomBytes(6).toString('hex')}`,
    S3_ENDPOINT: endpoint,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'test-key',
    S3_SECRET_ACCESS_KEY: 'test-secret',
    S3_FORCE_PATH_STYLE: 'true',
  };
  const Bucket = env.S3_BUCKET;
  const client = new S3Client({
    endpoint,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket }));
  const keys = async () => {
    const out: string[] = [];
    for await (const page of paginateListObjectsV2({ client }, { Bucket })) {
      for (const object of page.Contents ?? []) out.push(object.Key!);
    }
    return out;
  };
  return {
    kind: 's3',
    env,
    keys,
    async hasBlob(sha256) {
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: blobKey(sha256) }));
        return true;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
        throw error;
      }
    },
    async removeBlob(sha256) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: blobKey(sha256) }));
    },
    async destroy() {
      for (const Key of await keys()) await client.send(new DeleteObjectCommand({ Bucket, Key }));
      await client.send(new DeleteBucketCommand({ Bucket }));
      client.destroy();
    },
  };
}
