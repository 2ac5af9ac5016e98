import type { Readable } from 'node:stream';
import type { BlobStore } from '../files/storage.js';
import type { DownloadLinks } from './download-links.js';
import type { SendsRepository } from './sends.repository.js';

export type Download =
  | { kind: 'file'; fileName: string; mimeType: string; sizeBytes: number; expiresAt: Date; open(): Readable }
  /** Signed by us, past its expiry. */
  | { kind: 'expired' }
  /** Malformed, forged, not a linked file, or its stored file is gone: all the same to the asker. */
  | { kind: 'not_found' };

/** GET /d/<token>: what a download link of the link fallback serves. No token or account is involved. */
export class DownloadsService {
  constructor(
    private readonly links: DownloadLinks,
    private readonly sends: SendsRepository,
    private readonly blobs: BlobStore,
  ) {}

  async open(token: string): Promise<Download> {
    const link = this.links.check(token);
    if (link.kind === 'invalid') return { kind: 'not_found' };
    if (link.kind === 'expired') return { kind: 'expired' };
    const file = await this.sends.findLinkedFile(link.sendFileId);
    if (!file || !(await this.blobs.has(file.sha256))) return { kind: 'not_found' };
    return { kind: 'file', ...file, expiresAt: link.expiresAt, open: () => this.blobs.read(file.sha256) };
  }
}
