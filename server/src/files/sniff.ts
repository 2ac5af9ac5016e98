/**
 * Checks that a file's first bytes match its extension (magic numbers), so a PNG named
 * `.pdf` or an executable named `.jpg` is refused. Text types must be UTF-8 without NUL
 * bytes; that part is checked over the whole stream by `TextChecker`.
 */
export const SNIFF_BYTES = 4100;

const startsWith = (buf: Buffer, bytes: number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);
const ascii = (buf: Buffer, text: string, offset = 0) =>
  startsWith(buf, [...Buffer.from(text, 'latin1')], offset);

const isIsoBmff = (buf: Buffer) => ascii(buf, 'ftyp', 4);
/** QuickTime files may open with other atoms than ftyp. */
const isQuickTime = (buf: Buffer) =>
  isIsoBmff(buf) || ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].some((atom) => ascii(buf, atom, 4));
const isZip = (buf: Buffer) => startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06]);
const isOle = (buf: Buffer) => startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const isMp3 = (buf: Buffer) => ascii(buf, 'ID3') || (buf.length >= 2 && buf[0] === 0xff && (buf[1]! & 0xe0) === 0xe0);
const isAdts = (buf: Buffer) => buf.length >= 2 && buf[0] === 0xff && (buf[1]! & 0xf6) === 0xf0;

const CHECKS: Readonly<Record<string, (head: Buffer) => boolean>> = {
  jpg: (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  jpeg: (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  png: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  gif: (b) => ascii(b, 'GIF87a') || ascii(b, 'GIF89a'),
  mkv: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]),
  mov: isQuickTime,
  mp4: isIsoBmff,
  m4a: isIsoBmff,
  opus: (b) => ascii(b, 'OggS'),
  aac: (b) => isAdts(b) || ascii(b, 'ADIF'),
  amr: (b) => ascii(b, '#!AMR'),
  mp3: isMp3,
  pdf: (b) => ascii(b, '%PDF-'),
  doc: isOle,
  xls: isOle,
  ppt: isOle,
  docx: isZip,
  xlsx: isZip,
  pptx: isZip,
  zip: isZip,
  csv: () => true,
  txt: () => true,
};

export const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(['csv', 'txt']);

/** True when the first bytes fit the extension; text types are decided by TextChecker. */
export function headMatchesExtension(extension: string, head: Buffer): boolean {
  return CHECKS[extension]?.(head) ?? false;
}

/** Feeds a stream through a strict UTF-8 decoder; `ok` turns false at a NUL or invalid byte. */
export class TextChecker {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  ok = true;

  push(chunk: Buffer): void {
    if (!this.ok) return;
    if (chunk.includes(0)) {
      this.ok = false;
      return;
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.ok = false;
    }
  }

  end(): void {
    if (!this.ok) return;
    try {
      this.decoder.decode();
    } catch {
      this.ok = false;
    }
  }
}
