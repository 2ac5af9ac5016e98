/**
 * Decides, over the whole stream, whether a `.txt`/`.csv` file is text and in which encoding.
 *
 * - A byte-order mark decides the encoding: UTF-8, UTF-16 LE or UTF-16 BE.
 * - Without one the file is UTF-8 if it decodes as UTF-8, else Windows-1252 (a superset of the
 *   printable Latin-1 range) if every byte is a character there.
 *
 * What counts as text, in every encoding: it decodes strictly, and holds no NUL or other control
 * character but TAB, LF, FF and CR. UTF-16 and Windows-1252 can represent almost any byte string,
 * so the control characters are what tell a spreadsheet export from a binary file that happens to
 * begin with FF FE. UTF-16 without a BOM is not accepted: it cannot be told from binary data.
 */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** Per byte: 1 = a control byte (not text in UTF-8 nor Windows-1252), 2 = unassigned in Windows-1252. */
const BYTE_CLASS = (() => {
  const table = new Uint8Array(256);
  for (let b = 0; b < 0x20; b++) table[b] = 1;
  for (const b of [0x09, 0x0a, 0x0c, 0x0d]) table[b] = 0;
  table[0x7f] = 1;
  for (const b of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) table[b] = 2;
  return table;
})();

// eslint-disable-next-line no-control-regex -- the control characters text may not hold are the point
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

export class TextInspector {
  private start = Buffer.alloc(0);
  private decided = false;
  private utf8?: TextDecoder;
  private utf16?: { decoder: TextDecoder; encoding: 'utf-16le' | 'utf-16be' };
  private windows1252 = false;

  /** True once the file cannot be text in any accepted encoding. */
  get failed(): boolean {
    return this.decided && !this.utf8 && !this.utf16 && !this.windows1252;
  }

  push(chunk: Buffer): void {
    if (this.decided) return this.check(chunk, false);
    // The BOM is at most 3 bytes; hold them until the encoding is known.
    this.start = Buffer.concat([this.start, chunk]);
    if (this.start.length >= 3) this.decide(false);
  }

  end(): TextEncoding | undefined {
    if (!this.decided) this.decide(true);
    this.check(Buffer.alloc(0), true);
    if (this.utf8) return 'utf-8';
    if (this.utf16) return this.utf16.encoding;
    return this.windows1252 ? 'windows-1252' : undefined;
  }

  private decide(last: boolean): void {
    this.decided = true;
    const b = this.start;
    if (b[0] === 0xff && b[1] === 0xfe) this.utf16 = { decoder: new TextDecoder('utf-16le', { fatal: true }), encoding: 'utf-16le' };
    else if (b[0] === 0xfe && b[1] === 0xff) this.utf16 = { decoder: new TextDecoder('utf-16be', { fatal: true }), encoding: 'utf-16be' };
    else {
      this.utf8 = new TextDecoder('utf-8', { fatal: true });
      // A UTF-8 BOM says UTF-8; only a file without one may be Windows-1252.
      this.windows1252 = !(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf);
    }
    const start = this.start;
    this.start = Buffer.alloc(0);
    this.check(start, last);
  }

  private check(chunk: Buffer, last: boolean): void {
    if (this.utf8 || this.windows1252) {
      let seen = 0;
      for (let i = 0; i < chunk.length; i++) seen |= BYTE_CLASS[chunk[i]!]!;
      if (seen & 1) this.utf8 = undefined;
      if (seen & 3) this.windows1252 = false;
    }
    if (this.utf8) {
      try {
        this.utf8.decode(chunk, { stream: !last });
      } catch {
        this.utf8 = undefined;
      }
    }
    if (this.utf16) {
      try {
        if (CONTROL.test(this.utf16.decoder.decode(chunk, { stream: !last }))) this.utf16 = undefined;
      } catch {
        this.utf16 = undefined;
      }
    }
  }
}
