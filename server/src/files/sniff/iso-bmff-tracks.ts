/**
 * Finds the kinds of track in an ISO base media file (MP4, M4A, QuickTime) as it streams past:
 * the handler type (`vide`, `soun`, `text`, …) of each `moov/trak/mdia/hdlr`. The brand in `ftyp`
 * says what a file claims to be; the tracks say whether it holds video, which is what tells an
 * MP4 video from MPEG-4 audio when the brand is a generic one such as `isom`.
 *
 * Only box headers are read and everything else is skipped, so memory stays constant, and the
 * `moov` box is found wherever it is (files not "optimised for streaming" have it at the end).
 */

/** The first atoms of a QuickTime movie written without an `ftyp` box. */
export const QUICKTIME_FIRST_ATOMS: ReadonlySet<string> = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** Boxes we descend into, with the parent each must be in (top level: ''). */
const CONTAINERS: ReadonlyMap<string, string> = new Map([
  ['moov', ''],
  ['trak', 'moov'],
  ['mdia', 'trak'],
]);

export class IsoBmffTracks {
  /** The type of the first top-level box, once read. */
  firstBox?: string;
  /** One handler type per track, in file order. */
  readonly handlers: string[] = [];
  private offset = 0;
  private off = false;
  private readonly header = Buffer.alloc(16);
  private headerFill = 0;
  private skipTo = 0;
  private readonly open: { type: string; end: number }[] = [];
  /** Collecting the first 12 payload bytes of an `hdlr` box, whose last 4 are the handler type. */
  private hdlr?: { bytes: Buffer; fill: number; end: number };

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.off) {
      while (this.open.length > 0 && this.offset >= this.open.at(-1)!.end) this.open.pop();
      if (this.offset < this.skipTo) {
        const n = Math.min(this.skipTo - this.offset, chunk.length - at);
        at += n;
        this.offset += n;
        continue;
      }
      if (this.hdlr) {
        const n = Math.min(12 - this.hdlr.fill, chunk.length - at);
        chunk.copy(this.hdlr.bytes, this.hdlr.fill, at, at + n);
        this.hdlr.fill += n;
        at += n;
        this.offset += n;
        if (this.hdlr.fill === 12) {
          this.handlers.push(this.hdlr.bytes.toString('latin1', 8, 12));
          this.skipTo = this.hdlr.end;
          this.hdlr = undefined;
        }
        continue;
      }
      // A box header: 8 bytes, or 16 when the 32-bit size is 1 (a 64-bit size follows the type).
      const want = this.headerFill >= 8 && this.header.readUInt32BE(0) === 1 ? 16 : 8;
      const n = Math.min(want - this.headerFill, chunk.length - at);
      chunk.copy(this.header, this.headerFill, at, at + n);
      this.headerFill += n;
      at += n;
      this.offset += n;
      if (this.headerFill === want && !(want === 8 && this.header.readUInt32BE(0) === 1)) this.box(want);
    }
  }

  private box(headerLength: number): void {
    this.headerFill = 0;
    const start = this.offset - headerLength;
    const size32 = this.header.readUInt32BE(0);
    const type = this.header.toString('latin1', 4, 8);
    const parent = this.open.at(-1);
    const parentEnd = parent?.end ?? Infinity;
    const size = size32 === 1 ? Number(this.header.readBigUInt64BE(8)) : size32 === 0 ? parentEnd - start : size32;
    if (start === 0) this.firstBox = type;
    // Not a box tree (or a damaged one): stop, and keep what was found.
    if (!/^[\x20-\x7e]{4}$/.test(type) || size < headerLength || start + size > parentEnd) {
      this.off = true;
      return;
    }
    const end = start + size;
    if (CONTAINERS.get(type) === (parent?.type ?? '')) this.open.push({ type, end });
    else if (type === 'hdlr' && parent?.type === 'mdia' && size >= headerLength + 12) this.hdlr = { bytes: Buffer.alloc(12), fill: 0, end };
    else this.skipTo = end;
  }
}
