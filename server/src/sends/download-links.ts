import type { SecretBox } from '../infra/secrets/secrets.js';

/**
 * Signed, expiring download links to one send file: what the link fallback sends when a
 * channel cannot carry the file (docs/link-fallback.md). A link is `<base>/d/<token>` with
 * token = `<send file id>.<expiry, unix seconds>.<HMAC-SHA256 of both>`: nothing in it names
 * the account, and only the server (any API node sharing SECRETS_KEY) can make one.
 */

const PURPOSE = 'download-link.v1';
/** The one shape a token may have; anything else is refused before any other work. */
const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;
export const DOWNLOAD_PATH = '/d';

export type LinkCheck = { kind: 'valid'; sendFileId: string; expiresAt: Date } | { kind: 'expired'; expiresAt: Date } | { kind: 'invalid' };

export class DownloadLinks {
  private readonly base: string;

  constructor(
    private readonly box: SecretBox,
    options: { publicUrl: string; ttlDays: number },
  ) {
    this.base = `${options.publicUrl.replace(/\/+$/, '')}${DOWNLOAD_PATH}`;
    this.ttlMs = options.ttlDays * 24 * 60 * 60 * 1000;
  }

  private readonly ttlMs: number;

  /** A link to the send file, working until `expiresAt`. */
  create(sendFileId: string, now = Date.now()): { url: string; expiresAt: Date } {
    const expires = Math.floor((now + this.ttlMs) / 1000);
    const data = `${sendFileId}.${expires}`;
    return { url: `${this.base}/${data}.${this.box.sign(PURPOSE, data)}`, expiresAt: new Date(expires * 1000) };
  }

  /** What a token names; a forged or altered one is `invalid`, the same as a malformed one. */
  check(token: string, now = Date.now()): LinkCheck {
    const match = TOKEN.exec(token);
    if (!match) return { kind: 'invalid' };
    const [, sendFileId, expires, signature] = match as unknown as [string, string, string, string];
    if (!this.box.verify(PURPOSE, `${sendFileId}.${expires}`, signature)) return { kind: 'invalid' };
    const expiresAt = new Date(Number(expires) * 1000);
    if (expiresAt.getTime() <= now) return { kind: 'expired', expiresAt };
    return { kind: 'valid', sendFileId, expiresAt };
  }
}

const SIZE = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${SIZE.format(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${SIZE.format(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** The text message that carries a link: the caption first when this file would have carried it. */
export function linkMessage(file: { fileName: string; sizeBytes: number }, link: { url: string; expiresAt: Date }, caption: string | null): string {
  const line = `${file.fileName} (${sizeText(file.sizeBytes)}): ${link.url}\nThis download link works until ${DATE.format(link.expiresAt)} (UTC).`;
  return caption ? `${caption}\n\n${line}` : line;
}
