import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../infra/private-files.js';
import { blobKey, isSha256, meteredStream, type BlobCheck, type BlobStore, type StagedBlob } from './storage.js';

/** Blobs on this machine's disk: `<root>/blobs/ab/cd/<sha256>`, staged bytes in `<root>/tmp/`. */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
    // Customers' files: readable by the server's user only (directories 0700, files 0600).
    makePrivateDir(root);
    makePrivateDir(this.tmpDir);
  }

  pathOf(sha256: string): string {
    return path.join(this.root, blobKey(sha256));
  }

  async stage(source: Readable, check?: BlobCheck): Promise<StagedBlob> {
    const stagingKey = `${crypto.randomUUID()}.part`;
    const file = path.join(this.tmpDir, stagingKey);
    const meter = meteredStream(check);
    try {
      await pipeline(source, meter.stream, fs.createWriteStream(file, { flags: 'wx', mode: PRIVATE_FILE_MODE }));
      return { ...meter.result(), stagingKey };
    } catch (error) {
      await fsp.rm(file, { force: true });
      throw error;
    }
  }

  async commit(staged: StagedBlob): Promise<void> {
    const target = this.pathOf(staged.sha256);
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
    // Atomic, and replacing an identical blob is harmless (a reader holds the old inode).
    await fsp.rename(this.stagingPath(staged), target);
  }

  async discard(staged: StagedBlob): Promise<void> {
    await fsp.rm(this.stagingPath(staged), { force: true });
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

  async *list(): AsyncGenerator<string> {
    const blobs = path.join(this.root, 'blobs');
    if (!fs.existsSync(blobs)) return;
    for (const a of await fsp.readdir(blobs)) {
      for (const b of await fsp.readdir(path.join(blobs, a))) {
        for (const name of await fsp.readdir(path.join(blobs, a, b))) {
          if (isSha256(name)) yield name;
        }
      }
    }
  }

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

  private stagingPath(staged: StagedBlob): string {
    // The key is ours (a UUID), but it travels through callers: never let it leave tmp/.
    return path.join(this.tmpDir, path.basename(staged.stagingKey));
  }
}
