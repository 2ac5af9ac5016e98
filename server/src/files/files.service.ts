import type { FileUpload } from 'graphql-upload/Upload.mjs';
import type { UploadArg } from './upload-scalar.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import type { Db, DbOrTx } from '../infra/db/db.js';
import { AppError, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import type { Logger } from '../infra/log/logger.js';
import { extensionOf, sanitizeFileName } from './file-name.js';
import type { AttachmentRow, FilesRepository, ReceivedFile } from './files.repository.js';
import {
  ACCEPTED_EXTENSIONS,
  formatBytes,
  kindOfExtension,
  MAX_FILE_BYTES,
  MIME_TYPES,
  type FileKind,
} from './limits.js';
import { ContentSniffer, type SniffRefusal } from './sniff/content-sniffer.js';
import { labelOfExtension } from './sniff/formats.js';
import type { TextEncoding } from './sniff/text-encoding.js';
import type { BlobStore } from './storage.js';

/** How many blobs one garbage check looks at, under one transaction's locks. */
const SWEEP_BATCH = 100;

/** Thrown inside the stream check to refuse a file; turned into an AppError for `field`. */
class FileRefusal extends Error {
  constructor(
    readonly reason: InputReason,
    message: string,
  ) {
    super(message);
  }
}

/** TYPE_MISMATCH: says what the content looks like when it is recognised. */
function typeMismatch(fileName: string, extension: string, verdict: SniffRefusal): FileRefusal {
  const message = verdict.looksLike
    ? `"${fileName}" looks like ${verdict.looksLike}, not ${labelOfExtension(extension)}.`
    : verdict.notText
      ? `"${fileName}" does not contain what its .${extension} name says: it is not text (UTF-8, UTF-16 with a byte-order mark, or Windows-1252).`
      : `"${fileName}" does not contain what its .${extension} name says.`;
  return new FileRefusal(InputReason.TYPE_MISMATCH, message);
}

const acceptedList = () =>
  (Object.keys(ACCEPTED_EXTENSIONS) as FileKind[]).map((k) => ACCEPTED_EXTENSIONS[k].join(', ')).join('; ');

export class FilesService {
  constructor(
    private readonly db: Db,
    private readonly files: FilesRepository,
    private readonly blobs: BlobStore,
    private readonly accounts: AccountsService,
    private readonly log: Logger,
    /** STAGED_UPLOAD_QUOTA_MB in bytes. */
    private readonly stagedQuotaBytes: number,
  ) {}

  /**
   * GET /attachments/<id>/content: one of the account's files (pinned or staged), for the
   * admin's download and image thumbnails. Readers of the configuration may fetch it; another
   * account's id, a malformed one or a file whose bytes are gone is NOT_FOUND alike.
   */
  async content(viewer: Viewer | null, id: string) {
    const me = requirePermission(viewer, Permission.CONFIG_READ);
    const [row] = isUuid(id) ? await this.files.findMany(me.accountId, [id]) : [];
    if (!row || !(await this.blobs.has(row.sha256))) throw AppError.notFound('file');
    return { fileName: row.fileName, mimeType: row.mimeType, sizeBytes: row.sizeBytes, open: () => this.blobs.read(row.sha256) };
  }

  /**
   * uploadAttachment: stores the file and stages it for a later save, within the account's
   * quota of staged bytes (checked before and after the file streams in; uploads running at
   * the same moment can each pass, so the quota may be exceeded by what is in flight).
   */
  async upload(viewer: Viewer | null, upload: UploadArg) {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_WRITE);
    await this.accounts.requireSendAttachmentEnabled(accountId);
    if ((await this.files.stagedBytes(accountId)) >= this.stagedQuotaBytes) throw this.quotaExceeded();
    const file = await this.receive(upload, 'file');
    try {
      if ((await this.files.stagedBytes(accountId)) + file.sizeBytes > this.stagedQuotaBytes) throw this.quotaExceeded();
      const [row] = await this.db.transaction((tx) => this.insertReceived(tx, accountId, [file]));
      return row!;
    } catch (error) {
      await this.discardReceived([file]);
      throw error;
    }
  }

  /**
   * Inside the caller's transaction, before it takes any row lock: commits each received file's
   * blob and inserts its staged attachment row. The blobs' shared locks, held until that
   * transaction ends, keep every delete of the same bytes waiting until the rows are visible.
   */
  async insertReceived(tx: DbOrTx, accountId: string, received: ReceivedFile[]): Promise<AttachmentRow[]> {
    if (received.length === 0) return [];
    const files = this.files.with(tx);
    await files.lockBlobs(received.map((f) => f.sha256), 'shared');
    const rows: AttachmentRow[] = [];
    for (const file of received) {
      await this.blobs.commit(file.staged);
      rows.push(await files.insert(accountId, file));
    }
    return rows;
  }

  /**
   * After a failed save or upload: frees staged bytes, and blobs a rolled-back transaction
   * committed. Never throws, so the caller's own error is what the builder sees; whatever is
   * left (storage unreachable just now) goes with the hourly sweep.
   */
  async discardReceived(received: ReceivedFile[]): Promise<void> {
    try {
      for (const file of received) await this.blobs.discard(file.staged);
    } catch (error) {
      this.log.warn('files.discard_failed', { error });
    }
    await this.discardUnreferenced(received.map((f) => f.sha256));
  }

  /**
   * After a commit that let go of `shas` (an edit, a delete, a failed save): removes the blobs no
   * row needs any more. Never throws: the caller's work is done, and a blob left behind (storage
   * unreachable just now) goes with the hourly sweep.
   */
  async discardUnreferenced(shas: string[]): Promise<void> {
    try {
      await this.removeUnreferenced(shas);
    } catch (error) {
      this.log.warn('files.discard_failed', { error });
    }
  }

  /**
   * Streams one upload into the blob store's staging area, checking name, type, content and
   * size on the way. Nothing is left when a rule refuses the file or the upload is cut off; the
   * staged bytes become a blob in insertReceived, or go in discardReceived.
   */
  async receive(upload: UploadArg, field: string): Promise<ReceivedFile> {
    let file: FileUpload;
    try {
      file = await upload.promise;
    } catch (error) {
      throw this.uploadError(error, field, 'the file');
    }
    const fileName = sanitizeFileName(file.filename ?? '');
    if (!fileName) {
      throw AppError.badInput(field, InputReason.INVALID_FILE_NAME, 'The file has no usable name.');
    }
    const extension = extensionOf(fileName);
    const kind = kindOfExtension(extension);
    if (!kind) {
      throw AppError.badInput(
        field,
        InputReason.UNSUPPORTED_TYPE,
        `"${fileName}" is not an accepted file type. Accepted: ${acceptedList()}.`,
      );
    }

    const sniffer = new ContentSniffer(extension);
    let size = 0;
    let encoding: TextEncoding | undefined;
    try {
      const staged = await this.blobs.stage(file.createReadStream(), {
        chunk: async (chunk) => {
          size += chunk.length;
          if (size > MAX_FILE_BYTES) throw this.tooLarge(fileName);
          await sniffer.push(chunk);
          const refusal = await sniffer.refusal();
          if (refusal) throw typeMismatch(fileName, extension, refusal);
        },
        end: async () => {
          if (size === 0) throw new FileRefusal(InputReason.EMPTY_FILE, `"${fileName}" is empty (0 bytes).`);
          const verdict = await sniffer.end();
          if (!verdict.ok) throw typeMismatch(fileName, extension, verdict);
          encoding = verdict.encoding;
        },
      });
      const mimeType = MIME_TYPES[extension]!;
      return {
        fileName,
        extension,
        // UTF-8 is what a reader assumes; any other text encoding is named, or the text is garbled.
        mimeType: encoding && encoding !== 'utf-8' ? `${mimeType}; charset=${encoding}` : mimeType,
        kind,
        sizeBytes: staged.sizeBytes,
        sha256: staged.sha256,
        staged,
      };
    } catch (error) {
      sniffer.abandon(); // a cut-off upload or a failed store: file-type waits for no more bytes
      throw this.uploadError(error, field, `"${fileName}"`);
    }
  }

  /**
   * Removes the blobs among `shas` that no row needs; returns how many. The check and the
   * removal run under the blobs' exclusive locks, so an upload of the same bytes either
   * committed its row before (and the blob stays) or commits its own copy after.
   */
  private async removeUnreferenced(shas: string[]): Promise<number> {
    const unique = [...new Set(shas)];
    // Most blobs asked about are still needed (shared, or pinned elsewhere): no lock for those.
    const needed = await this.files.referenced(unique);
    const candidates = unique.filter((sha) => !needed.has(sha));
    if (candidates.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      const files = this.files.with(tx);
      await files.lockBlobs(candidates, 'exclusive');
      const stillNeeded = await files.referenced(candidates);
      const garbage = candidates.filter((sha) => !stillNeeded.has(sha));
      for (const sha of garbage) await this.blobs.remove(sha);
      return garbage.length;
    });
  }

  /**
   * The scheduled sweep: staged uploads no action took within `ttlHours`, every blob no row
   * needs (whatever its age: a blob is committed only with its row, so an unreferenced one is
   * garbage, left by a crash or by a send that finished), and staged bytes of uploads that
   * never finished.
   */
  async removeStale(ttlHours: number): Promise<{ stagedRows: number; blobs: number; partials: number }> {
    const before = new Date(Date.now() - ttlHours * 3600_000);
    const staged = await this.files.deleteStagedBefore(before);
    let blobs = await this.removeUnreferenced(staged);
    let batch: string[] = [];
    for await (const sha of this.blobs.list()) {
      batch.push(sha);
      if (batch.length === SWEEP_BATCH) {
        blobs += await this.removeUnreferenced(batch);
        batch = [];
      }
    }
    blobs += await this.removeUnreferenced(batch);
    const partials = await this.blobs.removeStalePartials(before);
    const result = { stagedRows: staged.length, blobs, partials };
    this.log.info('files.cleanup', result);
    return result;
  }

  private quotaExceeded() {
    return AppError.badInput(
      'file',
      InputReason.QUOTA_EXCEEDED,
      `This account already holds ${formatBytes(this.stagedQuotaBytes)} of uploads not yet saved to an action. Save or remove some first (unsaved uploads are removed after a day).`,
    );
  }

  private tooLarge(fileName: string) {
    return new FileRefusal(
      InputReason.FILE_TOO_LARGE,
      `"${fileName}" is larger than the ${formatBytes(MAX_FILE_BYTES)} limit.`,
    );
  }

  private uploadError(error: unknown, field: string, what: string): AppError {
    if (error instanceof AppError) return error;
    if (error instanceof FileRefusal) return AppError.badInput(field, error.reason, error.message);
    const status = (error as { status?: number }).status;
    if (status === 413) {
      return AppError.badInput(
        field,
        InputReason.FILE_TOO_LARGE,
        `${what === 'the file' ? 'The file' : what} is larger than the ${formatBytes(MAX_FILE_BYTES)} limit.`,
      );
    }
    const message = String((error as Error)?.message ?? error);
    // 499: graphql-upload saw the client disconnect; other parser errors mean a malformed part.
    if (status === 499 || /aborted|ECONNRESET|disconnected/i.test(message)) {
      this.log.warn('files.upload_interrupted', { field, error: message });
      return AppError.badInput(
        field,
        InputReason.UPLOAD_INCOMPLETE,
        `The upload of ${what} did not complete. Please try again.`,
      );
    }
    return AppError.badInput(
      field,
      InputReason.MALFORMED_REQUEST,
      `The file part of the request could not be read (${message}).`,
    );
  }
}
