import type { FileUpload } from 'graphql-upload/Upload.mjs';
import type { UploadArg } from './upload-scalar.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import type { Db, DbOrTx } from '../infra/db/db.js';
import { AppError, InputReason } from '../infra/errors.js';
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
import { headMatchesExtension, SNIFF_BYTES, TEXT_EXTENSIONS, TextChecker } from './sniff.js';
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

    const mismatch = () =>
      new FileRefusal(InputReason.TYPE_MISMATCH, `"${fileName}" does not contain what its .${extension} name says.`);
    let head = Buffer.alloc(0);
    let headChecked = false;
    let size = 0;
    const text = TEXT_EXTENSIONS.has(extension) ? new TextChecker() : undefined;
    const checkHead = () => {
      headChecked = true;
      if (!headMatchesExtension(extension, head)) throw mismatch();
    };

    try {
      const staged = await this.blobs.stage(file.createReadStream(), {
        chunk: (chunk) => {
          size += chunk.length;
          if (size > MAX_FILE_BYTES) throw this.tooLarge(fileName);
          if (!headChecked) {
            head = Buffer.concat([head, chunk]).subarray(0, SNIFF_BYTES);
            if (head.length >= SNIFF_BYTES) checkHead();
          }
          text?.push(chunk);
          if (text && !text.ok) throw mismatch();
        },
        end: () => {
          if (size === 0) throw new FileRefusal(InputReason.EMPTY_FILE, `"${fileName}" is empty (0 bytes).`);
          if (!headChecked) checkHead();
          text?.end();
          if (text && !text.ok) throw mismatch();
        },
      });
      return {
        fileName,
        extension,
        mimeType: MIME_TYPES[extension]!,
        kind,
        sizeBytes: staged.sizeBytes,
        sha256: staged.sha256,
        staged,
      };
    } catch (error) {
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
