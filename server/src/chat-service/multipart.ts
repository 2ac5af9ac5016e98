import crypto from 'node:crypto';
import type { Readable } from 'node:stream';

export interface MultipartFile {
  field: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** Opened only when the body is read, so a request that never starts opens no file. */
  open(): Readable;
}

const CRLF = '\r\n';

/** Quotes a value for a Content-Disposition parameter (RFC 7578: escape quotes, no newlines). */
function quote(value: string): string {
  return `"${value.replace(/[\r\n]/g, ' ').replace(/"/g, '%22')}"`;
}

/**
 * A multipart/form-data body that streams the file instead of holding it: text fields
 * first (so a server can route and authorise before the bytes arrive), the file last (none
 * for a text message). The exact length is known up front, so the request carries Content-Length.
 */
export function multipartBody(fields: Record<string, string>, file: MultipartFile | null) {
  const boundary = `----send-attachment-${crypto.randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(fields)
    .map(([name, value]) => `--${boundary}${CRLF}Content-Disposition: form-data; name=${quote(name)}${CRLF}${CRLF}${value}${CRLF}`)
    .join('');
  const head = Buffer.from(
    fieldParts +
      (file
        ? `--${boundary}${CRLF}Content-Disposition: form-data; name=${quote(file.field)}; filename=${quote(file.fileName)}` +
          `${CRLF}Content-Type: ${file.contentType}${CRLF}${CRLF}`
        : ''),
  );
  const tail = Buffer.from(`${file ? CRLF : ''}--${boundary}--${CRLF}`);
  async function* chunks(): AsyncGenerator<Buffer> {
    yield head;
    if (file) {
      const source = file.open();
      try {
        for await (const chunk of source) yield chunk as Buffer;
      } finally {
        source.destroy();
      }
    }
    yield tail;
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + (file?.sizeBytes ?? 0) + tail.length,
    chunks,
  };
}
