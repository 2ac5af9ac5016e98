import crypto from 'node:crypto';
import { Transform, type Readable } from 'node:stream';

/** Bytes written to the store's staging area, not yet visible under their sha256. */
export interface StagedBlob {
  sha256: string;
  sizeBytes: number;
  /** Where the store keeps the staged bytes until `commit` or `discard`. */
  stagingKey: string;
}

/**
 * Where file bytes live, addressed by their sha256: the same content is stored once, shared by
 * every account. Rows in `attachments` and `send_files` point at blobs; a blob no row points at
 * is garbage.
 *
 * Writing is two steps, so that no race between an upload and a delete of the same bytes can
 * leave a row pointing at a missing blob (docs/storage.md, "Races"): `stage` streams the bytes
 * aside, and `commit` makes them the blob of their sha256 only while the caller holds that
 * sha256's lock in the same transaction that inserts the row. FilesService is the one caller.
 */
export interface BlobStore {
  /**
   * Streams `source` to the staging area. `check.chunk` sees every chunk before it is written
   * and `check.end` the end of the stream; either may throw (or reject) to refuse the file, and
   * on any error nothing is left.
   */
  stage(source: Readable, check?: BlobCheck): Promise<StagedBlob>;
  /**
   * Makes the staged bytes the blob of their sha256 (an identical blob already there is kept)
   * and frees the staging copy. Only under the sha256's lock: see FilesService.insertReceived.
   */
  commit(staged: StagedBlob): Promise<void>;
  /** Frees the staging copy of bytes that will not be committed (idempotent). */
  discard(staged: StagedBlob): Promise<void>;
  has(sha256: string): Promise<boolean>;
  /**
   * The blob's bytes, streamed. Synchronous so callers can open it lazily; a missing blob or a
   * failed read surfaces as an error on the stream.
   */
  read(sha256: string): Readable;
  /** Removes the blob (idempotent). Only under the sha256's lock: see FilesService.discardUnreferenced. */
  remove(sha256: string): Promise<void>;
  /** Every committed blob's sha256, for the garbage sweep. */
  list(): AsyncIterable<string>;
  /** Staged bytes and unfinished uploads older than `before` (a crash mid-upload); returns how many. */
  removeStalePartials(before: Date): Promise<number>;
}

/** Awaited: the content check waits for file-type to read each chunk (files/sniff/). */
export interface BlobCheck {
  chunk?(chunk: Buffer): void | Promise<void>;
  end?(): void | Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function isSha256(value: string): boolean {
  return SHA256.test(value);
}

/**
 * `blobs/ab/cd/abcd…`: the same layout on disk and in a bucket, so a local store can be copied
 * into a bucket as it is (two levels keep directories small).
 */
export function blobKey(sha256: string): string {
  if (!isSha256(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return `blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/**
 * A pass-through stream that hashes and counts the bytes on their way to a store, and runs the
 * caller's checks; a check that throws errors the stream, which aborts the write.
 */
export function meteredStream(check: BlobCheck = {}) {
  const hash = crypto.createHash('sha256');
  let sizeBytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      run(() => check.chunk?.(chunk)).then(() => {
        hash.update(chunk);
        sizeBytes += chunk.length;
        callback(null, chunk);
      }, callback);
    },
    flush(callback) {
      run(() => check.end?.()).then(() => callback(), callback);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), sizeBytes }) };
}

/** A check's outcome as a promise, whether it returned, threw or rejected. */
async function run(check: () => void | Promise<void>): Promise<void> {
  await check();
}
