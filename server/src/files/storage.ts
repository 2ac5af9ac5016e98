import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../infra/private-files.js';

export interface StoredBlob {
  sha256: string;
  sizeBytes: number;
}

/**
 * Where file bytes live, addressed by their sha256: the same content is stored once.
 * Rows in `attachments` and `send_files` point at blobs; a blob no row points at is garbage.
 */
export interface BlobStore {
  /**
   * Streams `source` to the store. `check.chunk` sees every chunk and `check.end` the end
   * of the stream; either may throw to refuse the file, and on any error nothing is left behind.
   */
  put(source: Readable, check?: BlobCheck): Promise<StoredBlob>;
  has(sha256: string): Promise<boolean>;
  read(sha256: string): Readable;
  remove(sha256: string): Promise<void>;
  list(): AsyncIterable<{ sha256: string; modifiedAt: Date }>;
  removeStalePartials(before: Date): Promise<number>;
}

export interface BlobCheck {
  chunk?(chunk: Buffer): void;
  end?(): void;
}

const SHA256 = /^[0-9a-f]{64}$/;

export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
    // Customers' files: readable by the server's user only (directories 0700, files 0600).
    makePrivateDir(root);
    makePrivateDir(this.tmpDir);
  }

  /** blobs/ab/cd/abcd…: two levels keep directories small. */
  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.root, 'blobs', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(source: Readable, check: BlobCheck = {}): Promise<StoredBlob> {
    const tmp = path.join(this.tmpDir, `${crypto.randomUUID()}.part`);
    const hash = crypto.createHash('sha256');
    let sizeBytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        try {
          check.chunk?.(chunk);
        } catch (error) {
          callback(error as Error);
          return;
        }
        hash.update(chunk);
        sizeBytes += chunk.length;
        callback(null, chunk);
      },
      flush(callback) {
        try {
          check.end?.();
          callback();
        } catch (error) {
          callback(error as Error);
        }
      },
    });
    try {
      await pipeline(source, meter, fs.createWriteStream(tmp, { flags: 'wx', mode: PRIVATE_FILE_MODE }));
      const sha256 = hash.digest('hex');
      const target = this.pathOf(sha256);
      await fsp.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
      // Same content already stored: keep the existing blob (rename would replace it atomically too).
      await fsp.rename(tmp, target);
      return { sha256, sizeBytes };
    } catch (error) {
      await fsp.rm(tmp, { force: true });
      throw error;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fsp.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  read(sha256: string): Readable {
    return fs.createReadStream(this.pathOf(sha256));
  }

  async remove(sha256: string): Promise<void> {
    await fsp.rm(this.pathOf(sha256), { force: true });
  }

  /** Every stored blob with its last change, for the garbage sweep. */
  async *list(): AsyncGenerator<{ sha256: string; modifiedAt: Date }> {
    const blobs = path.join(this.root, 'blobs');
    if (!fs.existsSync(blobs)) return;
    for (const a of await fsp.readdir(blobs)) {
      for (const b of await fsp.readdir(path.join(blobs, a))) {
        for (const name of await fsp.readdir(path.join(blobs, a, b))) {
          if (!SHA256.test(name)) continue;
          const stat = await fsp.stat(path.join(blobs, a, b, name));
          yield { sha256: name, modifiedAt: stat.mtime };
        }
      }
    }
  }

  /** Partial files of uploads that never finished (a crash mid-stream), older than `before`. */
  async removeStalePartials(before: Date): Promise<number> {
    let removed = 0;
    for (const name of await fsp.readdir(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      const stat = await fsp.stat(file).catch(() => undefined);
      if (stat && stat.mtime < before) {
        await fsp.rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
