/**
 * Tells which Office application an OLE compound file (MS-CFB: .doc, .xls, .ppt) belongs to, by
 * the streams directly under its root storage: `WordDocument` (Word), `Workbook` or `Book`
 * (Excel), `PowerPoint Document` (PowerPoint). Embedded objects live in sub-storages and do not
 * count, so a Word file with an Excel chart is still a Word file.
 *
 * The file streams past once and the directory may lie anywhere in it (some writers put it at
 * the end), linked sector to sector through the FAT. So we keep the FAT sectors (their places are
 * in the header and the DIFAT chain) and every sector shaped like a directory sector, and follow
 * the directory chain when the file ends. Memory: about 4 bytes per sector of the file for the
 * FAT plus the directory itself, both capped. No package fits: the CFB readers on npm need the
 * whole file in memory.
 */
export type CfbApplication = 'word' | 'excel' | 'powerpoint';

const MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const ENDOFCHAIN = 0xfffffffe;
const NOSTREAM = 0xffffffff;
const MAX_SECTOR = 0xfffffff9; // above: special values (free, end of chain, FAT, DIFAT)
const ENTRY = 128;
/** Directory sectors kept at most (a real directory is a few KB; this is 1 MB at 512-byte sectors). */
const MAX_DIRECTORY_SECTORS = 2048;

const MAIN_STREAMS: ReadonlyArray<[string, CfbApplication]> = [
  ['WORDDOCUMENT', 'word'],
  ['POWERPOINT DOCUMENT', 'powerpoint'],
  ['WORKBOOK', 'excel'],
  ['BOOK', 'excel'],
];

/** The root storage's CLSID as Office writes it, for files whose directory could not be followed. */
const CLSIDS: Readonly<Record<string, CfbApplication>> = {
  '0609020000000000c000000000000046': 'word', // Word 97-2003
  '0009020000000000c000000000000046': 'word', // Word 6/95
  '2008020000000000c000000000000046': 'excel', // Excel 97-2003
  '1008020000000000c000000000000046': 'excel', // Excel 5/95
  '108d81649b4fcf1186ea00aa00b929e8': 'powerpoint', // PowerPoint 97-2003
};

interface Header {
  sectorSize: number;
  firstDirectory: number;
  firstDifat: number;
  difatCount: number;
}

export class CfbDirectoryInspector {
  private offset = 0;
  private head = Buffer.alloc(0);
  private header?: Header;
  /** Not a compound file, or a header we cannot use: stop looking. */
  private off = false;
  private partial?: Buffer;
  /** sector id → its position in the FAT, for the sectors that hold the FAT. */
  private readonly fatSectors = new Map<number, number>();
  private readonly fat = new Map<number, Buffer>();
  private maxFatSectors = 0;
  private difatNext = ENDOFCHAIN;
  private difatSeen = 0;
  private readonly directory = new Map<number, Buffer>();

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.off) {
      if (!this.header) {
        const n = Math.min(512 - this.head.length, chunk.length - at);
        this.head = Buffer.concat([this.head, chunk.subarray(at, at + n)]);
        at += n;
        this.offset += n;
        if (this.head.length === 512) this.readHeader(this.head);
        continue;
      }
      const size = this.header.sectorSize;
      if (this.offset < size) {
        // Version 4: the header sector is 4096 bytes, the rest of it is padding.
        const skip = Math.min(size - this.offset, chunk.length - at);
        at += skip;
        this.offset += skip;
        continue;
      }
      const sector = Math.floor(this.offset / size) - 1;
      const within = this.offset % size;
      if (within === 0 && chunk.length - at >= size) {
        this.sector(sector, chunk.subarray(at, at + size));
        at += size;
        this.offset += size;
        continue;
      }
      this.partial ??= Buffer.alloc(size);
      const n = Math.min(size - within, chunk.length - at);
      chunk.copy(this.partial, within, at, at + n);
      at += n;
      this.offset += n;
      if (within + n === size) this.sector(sector, this.partial);
    }
  }

  /** The application, `'other'` for a compound file of another kind, undefined if unreadable. */
  end(): CfbApplication | 'other' | undefined {
    const header = this.header;
    if (!header || this.off) return undefined;
    const perSector = header.sectorSize / 4;
    const next = (sector: number): number | undefined => this.fat.get(Math.floor(sector / perSector))?.readUInt32LE((sector % perSector) * 4);

    // The directory stream, sector by sector; stops where a sector was not kept.
    const chain: Buffer[] = [];
    let complete = true;
    const seen = new Set<number>();
    let sector: number | undefined = header.firstDirectory;
    while (sector !== ENDOFCHAIN) {
      const bytes = sector === undefined || seen.has(sector) ? undefined : this.directory.get(sector);
      if (!bytes) {
        complete = false;
        break;
      }
      seen.add(sector!);
      chain.push(bytes);
      sector = next(sector!);
    }
    const perDirectorySector = header.sectorSize / ENTRY;
    const entry = (id: number) => {
      const bytes = chain[Math.floor(id / perDirectorySector)];
      return bytes?.subarray((id % perDirectorySector) * ENTRY, (id % perDirectorySector + 1) * ENTRY);
    };

    const root = entry(0);
    if (!root || root[66] !== 5) return undefined;
    const fromClsid = CLSIDS[root.subarray(80, 96).toString('hex')];

    // The root's children form a binary tree through their left and right sibling ids.
    const names = new Set<string>();
    const pending = [root.readUInt32LE(76)];
    const visited = new Set<number>();
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (id === NOSTREAM || visited.has(id)) continue;
      visited.add(id);
      const e = entry(id);
      if (!e || e[66] === 0) {
        complete = false;
        continue;
      }
      if (e[66] === 2) names.add(nameOf(e).toUpperCase());
      pending.push(e.readUInt32LE(68), e.readUInt32LE(72));
    }
    for (const [name, application] of MAIN_STREAMS) if (names.has(name)) return application;
    if (!complete) return fromClsid;
    return 'other';
  }

  private readHeader(head: Buffer): void {
    if (!head.subarray(0, 8).equals(MAGIC)) {
      this.off = true;
      return;
    }
    const shift = head.readUInt16LE(30);
    if (shift !== 9 && shift !== 12) {
      this.off = true;
      return;
    }
    const sectorSize = 1 << shift;
    this.header = {
      sectorSize,
      firstDirectory: head.readUInt32LE(48),
      firstDifat: head.readUInt32LE(68),
      difatCount: head.readUInt32LE(72),
    };
    // Enough FAT sectors to map the largest accepted file; a header claiming more is not believed.
    this.maxFatSectors = Math.ceil(78_643_200 / sectorSize / (sectorSize / 4)) + 1;
    for (let i = 0; i < 109; i++) this.addFatSector(head.readUInt32LE(76 + i * 4), i);
    this.difatNext = this.header.firstDifat;
  }

  private addFatSector(sector: number, position: number): void {
    if (sector <= MAX_SECTOR && position < this.maxFatSectors) this.fatSectors.set(sector, position);
  }

  private sector(id: number, bytes: Buffer): void {
    const header = this.header!;
    const fatPosition = this.fatSectors.get(id);
    if (fatPosition !== undefined) this.fat.set(fatPosition, Buffer.from(bytes));
    if (id === this.difatNext && this.difatSeen < header.difatCount) {
      // A DIFAT sector: the places of further FAT sectors, then the next DIFAT sector.
      const perSector = header.sectorSize / 4;
      for (let j = 0; j < perSector - 1; j++) this.addFatSector(bytes.readUInt32LE(j * 4), 109 + this.difatSeen * (perSector - 1) + j);
      this.difatSeen++;
      this.difatNext = bytes.readUInt32LE((perSector - 1) * 4);
    }
    if (this.directory.size < MAX_DIRECTORY_SECTORS && (id === header.firstDirectory || looksLikeDirectory(bytes))) {
      this.directory.set(id, Buffer.from(bytes));
    }
  }
}

function nameOf(entry: Buffer): string {
  const length = Math.min(entry.readUInt16LE(64), 64);
  return entry.subarray(0, Math.max(0, length - 2)).toString('utf16le');
}

/** Every used 128-byte entry has a valid type, colour and NUL-terminated name of even length. */
function looksLikeDirectory(sector: Buffer): boolean {
  let used = 0;
  for (let at = 0; at < sector.length; at += ENTRY) {
    const type = sector[at + 66]!;
    if (type === 0) continue;
    const length = sector.readUInt16LE(at + 64);
    if (![1, 2, 5].includes(type) || sector[at + 67]! > 1 || length < 2 || length > 64 || length % 2 !== 0) return false;
    if (sector.readUInt16LE(at + length - 2) !== 0) return false;
    used++;
  }
  return used > 0;
}
