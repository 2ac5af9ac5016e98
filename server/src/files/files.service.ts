import type { FileUpload } from 'graphql-upload/Upload.mjs';
import type { UploadArg } from './upload-scalar.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { AppError, InputReason } from '../infra/errors.js';
import type { Logger } from '../infra/log/logger.js';
import { extensionOf, sanitizeFileName } from './file-name.js';
import type { FilesRepository, ReceivedFile } from './files.repository.js';
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
      return await this.files.insert(accountId, file);
    } catch (error) {
      await this.discardUnreferenced([file.sha256]);
      throw error;
    }
  }

  /**
   * Streams one upload into the blob store, checking name, type, content and size on the way.
   * Nothing is stored when a rule refuses the file or the upload is cut off.
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
      const stored = await this.blobs.put(file.createReadStream(), {
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
        sizeBytes: stored.sizeBytes,
        sha256: stored.sha256,
      };
    } catch (error) {
      throw this.uploadError(error, field, `"${fileName}"`);
    }
  }

  /** Removes the blobs among `shas` that no row needs any more. */
  async discardUnreferenced(shas: string[]): Promise<void> {
    const unique = [...new Set(shas)];
    const needed = await this.files.referenced(unique);
    for (const sha of unique) if (!needed.has(sha)) await this.blobs.remove(sha);
  }

  /** The scheduled sweep: stale staged uploads, unreferenced blobs, partial files. */
  async removeStale(ttlHours: number): Promise<{ stagedRows: number; blobs: number; partials: number }> {
    const before = new Date(Date.now() - ttlHours * 3600_000);
    const staged = await this.files.deleteStagedBefore(before);
    // Blobs written but never given a row (a crash between store and insert) age out the same way.
    const old: string[] = [];
    for await (const blob of this.blobs.list()) if (blob.modifiedAt < before) old.push(blob.sha256);
    const candidates = [...new Set([...staged, ...old])];
    const needed = await this.files.referenced(candidates);
    const garbage = candidates.filter((sha) => !needed.has(sha));
    for (const sha of garbage) await this.blobs.remove(sha);
    const partials = await this.blobs.removeStalePartials(before);
    const result = { stagedRows: staged.length, blobs: garbage.length, partials };
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
