/**
 * Minimal but well-formed files of each format the server tells apart, built by hand so the
 * tests need no media tools: ZIP and OOXML, OLE compound files, ISO-BMFF boxes, EBML headers,
 * Ogg pages, ADTS and MPEG audio frames, and text in several encodings.
 */
import zlib from 'node:zlib';

const u16le = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

// ---------------------------------------------------------------------------------------------
// ZIP

export interface ZipEntry {
  name: string;
  data: Buffer | string;
  /** Deflate the data (the default) or store it. */
  store?: boolean;
  /** Sizes and CRC after the data, in a data descriptor, as streaming writers do. */
  descriptor?: boolean;
}

export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const raw = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data);
    const data = entry.store ? raw : zlib.deflateRawSync(raw);
    const name = Buffer.from(entry.name);
    const crc = zlib.crc32(raw);
    const flags = (entry.descriptor ? 0x08 : 0) | 0x0800; // bit 3: data descriptor; bit 11: UTF-8 names
    const method = entry.store ? 0 : 8;
    const sizes = entry.descriptor ? [0, 0, 0] : [crc, data.length, raw.length];
    const local = Buffer.concat([
      u32le(0x04034b50), u16le(20), u16le(flags), u16le(method), u16le(0), u16le(0x5a21),
      ...sizes.map(u32le), u16le(name.length), u16le(0), name, data,
      ...(entry.descriptor ? [u32le(0x08074b50), u32le(crc), u32le(data.length), u32le(raw.length)] : []),
    ]);
    central.push(Buffer.concat([
      u32le(0x02014b50), u16le(20), u16le(20), u16le(flags), u16le(method), u16le(0), u16le(0x5a21),
      u32le(crc), u32le(data.length), u32le(raw.length), u16le(name.length), u16le(0), u16le(0),
      u16le(0), u16le(0), u32le(0), u32le(offset), name,
    ]));
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.concat([
    u32le(0x06054b50), u16le(0), u16le(0), u16le(entries.length), u16le(entries.length),
    u32le(directory.length), u32le(offset), u16le(0),
  ]);
  return Buffer.concat([...locals, directory, end]);
}

// ---------------------------------------------------------------------------------------------
// Office Open XML

export type OoxmlKind = 'word' | 'excel' | 'powerpoint';

const OOXML = {
  word: {
    main: 'word/document.xml',
    type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
    xml: '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Price list</w:t></w:r></w:p></w:body></w:document>',
  },
  excel: {
    main: 'xl/workbook.xml',
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
    xml: '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Prices" sheetId="1"/></sheets></workbook>',
  },
  powerpoint: {
    main: 'ppt/presentation.xml',
    type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
    xml: '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
  },
} as const;

export interface OoxmlOptions {
  /** `office`: [Content_Types].xml first, as Microsoft Office writes; `libreoffice`: last. */
  order?: 'office' | 'libreoffice';
  /** A stored (uncompressed) part of this many bytes, to make the file larger. */
  padding?: number;
  descriptor?: boolean;
  /** Overrides the main part's content type (e.g. the macro-enabled variant). */
  mainType?: string;
}

export function ooxml(kind: OoxmlKind, options: OoxmlOptions = {}): Buffer {
  const part = OOXML[kind];
  const contentTypes =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/${part.main}" ContentType="${options.mainType ?? part.type}"/></Types>`;
  const rels =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="${part.main}"/></Relationships>`;
  const folder = part.main.slice(0, part.main.indexOf('/') + 1);
  const d = options.descriptor;
  const body: ZipEntry[] = [
    { name: part.main, data: part.xml, descriptor: d },
    ...(options.padding ? [{ name: `${folder}media/image1.png`, data: png(options.padding), store: true, descriptor: d }] : []),
  ];
  const types = { name: '[Content_Types].xml', data: contentTypes, descriptor: d };
  const relsEntry = { name: '_rels/.rels', data: rels, descriptor: d };
  const partRels = { name: `${folder}_rels/${part.main.slice(folder.length)}.rels`, data: '<Relationships/>', descriptor: d };
  return options.order === 'libreoffice'
    ? zip([
        relsEntry,
        { name: 'docProps/app.xml', data: '<Properties/>', descriptor: d },
        { name: 'docProps/core.xml', data: '<cp:coreProperties/>', descriptor: d },
        partRels,
        ...body,
        types,
      ])
    : zip([types, relsEntry, ...body, partRels]);
}

/** A ZIP archive of ordinary files. */
export const plainZip = () =>
  zip([
    { name: 'price-list.csv', data: 'item,price\nTea,3.50\n' },
    { name: 'readme.txt', data: 'Prices valid until December.\n' },
  ]);

/** An OpenDocument text: a ZIP whose first entry is an uncompressed `mimetype`. */
export const odt = () =>
  zip([
    { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', store: true },
    { name: 'content.xml', data: '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>' },
    { name: 'META-INF/manifest.xml', data: '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>' },
  ]);

// ---------------------------------------------------------------------------------------------
// OLE compound files (MS-CFB), the container of .doc, .xls and .ppt

export interface CfbNode {
  name: string;
  /** A stream of this many bytes (at least 4096, so it lives in regular sectors), or a storage. */
  size?: number;
  children?: CfbNode[];
}

export interface CfbOptions {
  /** The root storage's CLSID (16 bytes); zeros by default. */
  clsid?: Buffer;
  /** Put the directory after the stream data, as some writers do. */
  directoryLast?: boolean;
  /** Version 4 (4096-byte sectors) instead of 3 (512-byte sectors). */
  version4?: boolean;
}

const FREESECT = 0xffffffff;
const ENDOFCHAIN = 0xfffffffe;
const FATSECT = 0xfffffffd;
const DIFSECT = 0xfffffffc;
const NOSTREAM = 0xffffffff;

/** Microsoft's CLSIDs of the root storage, as written by Office. */
export const CLSID = {
  word: Buffer.from('0609020000000000c000000000000046', 'hex'),
  excel: Buffer.from('2008020000000000c000000000000046', 'hex'),
  powerpoint: Buffer.from('108d81649b4fcf1186ea00aa00b929e8', 'hex'),
};

export function cfb(children: CfbNode[], options: CfbOptions = {}): Buffer {
  const sectorSize = options.version4 ? 4096 : 512;
  // Flatten the tree: entry 0 is the root; each storage's children hang off `child` as a chain of
  // right siblings (a degenerate but valid tree).
  interface Entry { name: string; type: 1 | 2 | 5; size: number; child: number; right: number; clsid?: Buffer; start: number }
  const entries: Entry[] = [{ name: 'Root Entry', type: 5, size: 0, child: NOSTREAM, right: NOSTREAM, clsid: options.clsid, start: ENDOFCHAIN }];
  const add = (nodes: CfbNode[], parent: number) => {
    let previous = -1;
    for (const node of nodes) {
      const id = entries.length;
      entries.push({ name: node.name, type: node.children ? 1 : 2, size: node.children ? 0 : Math.max(node.size ?? 4096, 4096), child: NOSTREAM, right: NOSTREAM, start: ENDOFCHAIN });
      if (previous < 0) entries[parent]!.child = id;
      else entries[previous]!.right = id;
      previous = id;
      if (node.children) add(node.children, id);
    }
  };
  add(children, 0);

  const perSector = sectorSize / 4;
  const dirSectors = Math.ceil((entries.length * 128) / sectorSize);
  const streamSectors = entries.map((e) => (e.type === 2 ? Math.ceil(e.size / sectorSize) : 0));
  const dataSectors = dirSectors + streamSectors.reduce((a, b) => a + b, 0);
  // FAT sectors beyond the header's 109 are listed in DIFAT sectors, placed first in the file.
  let fatSectors = 1;
  let difatSectors = 0;
  for (;;) {
    difatSectors = Math.max(0, Math.ceil((fatSectors - 109) / (perSector - 1)));
    if (fatSectors * perSector >= difatSectors + fatSectors + dataSectors) break;
    fatSectors++;
  }

  const fat = new Array<number>(fatSectors * perSector).fill(FREESECT);
  for (let i = 0; i < difatSectors; i++) fat[i] = DIFSECT;
  for (let i = 0; i < fatSectors; i++) fat[difatSectors + i] = FATSECT;
  let next = difatSectors + fatSectors;
  const chain = (count: number) => {
    const start = next;
    for (let i = 0; i < count; i++) fat[next + i] = i === count - 1 ? ENDOFCHAIN : next + i + 1;
    next += count;
    return start;
  };
  let firstDir = options.directoryLast ? -1 : chain(dirSectors);
  entries.forEach((e, i) => {
    if (e.type === 2) e.start = chain(streamSectors[i]!);
  });
  if (firstDir < 0) firstDir = chain(dirSectors);

  const header = Buffer.alloc(512);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header, 0);
  header.writeUInt16LE(0x003e, 24);
  header.writeUInt16LE(options.version4 ? 4 : 3, 26);
  header.writeUInt16LE(0xfffe, 28);
  header.writeUInt16LE(options.version4 ? 12 : 9, 30);
  header.writeUInt16LE(6, 32);
  header.writeUInt32LE(options.version4 ? dirSectors : 0, 40);
  header.writeUInt32LE(fatSectors, 44);
  header.writeUInt32LE(firstDir, 48);
  header.writeUInt32LE(4096, 56);
  header.writeUInt32LE(ENDOFCHAIN, 60);
  header.writeUInt32LE(difatSectors > 0 ? 0 : ENDOFCHAIN, 68);
  header.writeUInt32LE(difatSectors, 72);
  for (let i = 0; i < 109; i++) header.writeUInt32LE(i < fatSectors ? difatSectors + i : FREESECT, 76 + i * 4);

  const file = Buffer.alloc(sectorSize * (1 + next));
  header.copy(file, 0);
  const sectorAt = (id: number) => sectorSize * (1 + id);
  fat.forEach((value, i) => file.writeUInt32LE(value, sectorAt(difatSectors) + i * 4)); // FAT sectors are contiguous
  for (let k = 0; k < difatSectors; k++) {
    for (let j = 0; j < perSector - 1; j++) {
      const position = 109 + k * (perSector - 1) + j;
      file.writeUInt32LE(position < fatSectors ? difatSectors + position : FREESECT, sectorAt(k) + j * 4);
    }
    file.writeUInt32LE(k + 1 < difatSectors ? k + 1 : ENDOFCHAIN, sectorAt(k) + (perSector - 1) * 4);
  }
  entries.forEach((e, i) => {
    const at = sectorAt(firstDir) + i * 128; // the directory chain is contiguous
    const name = Buffer.from(`${e.name}\0`, 'utf16le');
    name.copy(file, at);
    file.writeUInt16LE(name.length, at + 64);
    file[at + 66] = e.type;
    file[at + 67] = 1; // black
    file.writeUInt32LE(NOSTREAM, at + 68);
    file.writeUInt32LE(e.right, at + 72);
    file.writeUInt32LE(e.child, at + 76);
    e.clsid?.copy(file, at + 80);
    file.writeUInt32LE(e.start, at + 116);
    file.writeUInt32LE(e.size, at + 120);
    // Stream bytes: a repeating pattern, so the data is not mistaken for anything.
    if (e.type === 2) for (let j = 0; j < e.size; j++) file[sectorAt(e.start) + j] = 0x41 + ((j + i) % 26);
  });
  // Unused directory slots in the last directory sector stay zero (type 0: unused).
  for (let i = entries.length; i < (dirSectors * sectorSize) / 128; i++) {
    const at = sectorAt(firstDir) + i * 128;
    file.writeUInt32LE(NOSTREAM, at + 68);
    file.writeUInt32LE(NOSTREAM, at + 72);
    file.writeUInt32LE(NOSTREAM, at + 76);
  }
  return file;
}

export const doc = (options?: CfbOptions) =>
  cfb([{ name: 'WordDocument', size: 8192 }, { name: '1Table' }], { clsid: CLSID.word, ...options });
export const xls = (options?: CfbOptions) => cfb([{ name: 'Workbook', size: 8192 }], { clsid: CLSID.excel, ...options });
export const ppt = (options?: CfbOptions) =>
  cfb([{ name: 'Current User' }, { name: 'PowerPoint Document', size: 8192 }], { clsid: CLSID.powerpoint, ...options });

// ---------------------------------------------------------------------------------------------
// ISO base media (MP4, M4A, QuickTime)

export const box = (type: string, ...payload: Buffer[]) => {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32be(8 + body.length), Buffer.from(type, 'latin1'), body]);
};

export const ftyp = (major: string, compatible: string[] = [major]) =>
  box('ftyp', Buffer.from(major, 'latin1'), u32be(0x200), ...compatible.map((c) => Buffer.from(c, 'latin1')));

/** A track whose media handler is `handler` (`vide`, `soun`, `text`, …). */
export const trak = (handler: string, quickTime = false) =>
  box('trak',
    box('tkhd', Buffer.alloc(84)),
    box('mdia',
      box('mdhd', Buffer.alloc(24)),
      // version/flags, then pre_defined (ISO) or the component type (QuickTime), then the handler.
      box('hdlr', u32be(0), Buffer.from(quickTime ? 'mhlr' : '\0\0\0\0', 'latin1'), Buffer.from(handler, 'latin1'), Buffer.alloc(12), Buffer.from('Handler\0')),
      box('minf', box('hdlr', u32be(0), Buffer.from('dhlr', 'latin1'), Buffer.from('url ', 'latin1'), Buffer.alloc(13)))));

export const moov = (handlers: string[], quickTime = false) =>
  box('moov', box('mvhd', Buffer.alloc(100)), ...handlers.map((h) => trak(h, quickTime)));

export interface MovieOptions {
  brand?: string | null; // null: no ftyp box (old QuickTime)
  compatible?: string[];
  tracks?: string[];
  /** The moov box after the media data, as files not "optimised for streaming" have it. */
  moovLast?: boolean;
  size?: number;
}

export function movie(options: MovieOptions = {}): Buffer {
  const brand = options.brand === undefined ? 'isom' : options.brand;
  const head = brand === null ? [] : [ftyp(brand, options.compatible ?? [brand, 'mp41'])];
  const quickTime = brand === 'qt  ' || brand === null;
  const meta = moov(options.tracks ?? ['vide', 'soun'], quickTime);
  const fixed = head.reduce((n, b) => n + b.length, 0) + meta.length + 8;
  const media = Buffer.alloc(Math.max(64, (options.size ?? 0) - fixed));
  for (let i = 0; i < media.length; i += 61) media[i] = i % 253;
  const mdat = box('mdat', media);
  return Buffer.concat(options.moovLast ? [...head, mdat, meta] : [...head, meta, mdat]);
}

// ---------------------------------------------------------------------------------------------
// Matroska / WebM (EBML)

const ebmlElement = (id: number[], payload: Buffer) => {
  if (payload.length > 126) throw new Error('ebmlElement(): payload too long for a 1-byte size');
  return Buffer.concat([Buffer.from(id), Buffer.from([0x80 | payload.length]), payload]);
};

export function matroska(docType: 'matroska' | 'webm', size = 2048): Buffer {
  const header = ebmlElement([0x1a, 0x45, 0xdf, 0xa3], Buffer.concat([
    ebmlElement([0x42, 0x86], Buffer.from([1])), // EBMLVersion
    ebmlElement([0x42, 0xf7], Buffer.from([1])), // EBMLReadVersion
    ebmlElement([0x42, 0xf2], Buffer.from([4])), // EBMLMaxIDLength
    ebmlElement([0x42, 0xf3], Buffer.from([8])), // EBMLMaxSizeLength
    ebmlElement([0x42, 0x82], Buffer.from(docType)), // DocType
    ebmlElement([0x42, 0x87], Buffer.from([4])), // DocTypeVersion
    ebmlElement([0x42, 0x85], Buffer.from([2])), // DocTypeReadVersion
  ]));
  // A Segment of unknown size holding one Void element that fills the rest.
  const segment = Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const voidSize = Math.max(0, size - header.length - segment.length - 9);
  const voidElement = Buffer.concat([Buffer.from([0xec, 0x01]), Buffer.from(voidSize.toString(16).padStart(14, '0'), 'hex'), Buffer.alloc(voidSize)]);
  return Buffer.concat([header, segment, voidElement]);
}

// ---------------------------------------------------------------------------------------------
// Ogg

const OGG_CRC = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggPage(packet: Buffer, sequence: number, headerType: number): Buffer {
  const segments: number[] = [];
  for (let left = packet.length; ; left -= 255) {
    segments.push(Math.min(left, 255));
    if (left < 255) break;
  }
  const page = Buffer.concat([
    Buffer.from('OggS'), Buffer.from([0, headerType]), Buffer.alloc(8), u32le(0x5eed), u32le(sequence), u32le(0),
    Buffer.from([segments.length]), Buffer.from(segments), packet,
  ]);
  let crc = 0;
  for (const byte of page) crc = ((crc << 8) ^ OGG_CRC[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  page.writeUInt32LE(crc, 22);
  return page;
}

const OGG_FIRST_PACKETS = {
  opus: Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 2]), u16le(312), u32le(48000), u16le(0), Buffer.from([0])]),
  vorbis: Buffer.concat([Buffer.from('\x01vorbis', 'latin1'), u32le(0), Buffer.from([2]), u32le(44100), u32le(0), u32le(128000), u32le(0), Buffer.from([0xb8, 1])]),
  theora: Buffer.concat([Buffer.from('\x80theora', 'latin1'), Buffer.from([3, 2, 1, 0, 20, 0, 15]), Buffer.alloc(28)]),
};

export function ogg(codec: keyof typeof OGG_FIRST_PACKETS, size = 2048): Buffer {
  const pages = [oggPage(OGG_FIRST_PACKETS[codec], 0, 0x02)];
  let total = pages[0]!.length;
  for (let sequence = 1; total < size; sequence++) {
    const page = oggPage(Buffer.alloc(Math.min(200, Math.max(1, size - total - 28)), sequence), sequence, 0);
    pages.push(page);
    total += page.length;
  }
  return Buffer.concat(pages);
}

// ---------------------------------------------------------------------------------------------
// Audio frames

/** ADTS (AAC) frames: MPEG-4 AAC LC, 44.1 kHz, stereo. */
export function adts(size = 2048): Buffer {
  const frames: Buffer[] = [];
  const frameLength = 200;
  for (let total = 0; total < size; total += frameLength) {
    const f = Buffer.alloc(frameLength);
    f[0] = 0xff;
    f[1] = 0xf1; // sync, MPEG-4, layer 0, no CRC
    f[2] = (1 << 6) | (4 << 2) | 0; // AAC LC, 44.1 kHz, channel config high bit 0
    f[3] = (2 << 6) | ((frameLength >> 11) & 0x3); // 2 channels
    f[4] = (frameLength >> 3) & 0xff;
    f[5] = ((frameLength & 0x7) << 5) | 0x1f;
    f[6] = 0xfc;
    frames.push(f);
  }
  return Buffer.concat(frames).subarray(0, size);
}

/** MPEG-1 Layer III frames (128 kbps, 44.1 kHz), behind an ID3v2 tag unless `id3` is false. */
export function mp3(size = 2048, id3 = true): Buffer {
  const tag = id3 ? Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0, 0, 0, 0, 0])]) : Buffer.alloc(0);
  const frames: Buffer[] = [tag];
  for (let total = tag.length; total < size; total += 417) {
    const f = Buffer.alloc(417);
    f.set([0xff, 0xfb, 0x90, 0x64]);
    frames.push(f);
  }
  return Buffer.concat(frames).subarray(0, size);
}

/** AMR narrow-band: the `#!AMR` magic and 12.2 kbps frames. */
export function amr(size = 2048): Buffer {
  const frames = [Buffer.from('#!AMR\n')];
  for (let total = 6; total < size; total += 32) frames.push(Buffer.concat([Buffer.from([0x3c]), Buffer.alloc(31, 0x55)]));
  return Buffer.concat(frames).subarray(0, size);
}

// ---------------------------------------------------------------------------------------------
// Images and PDF

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), body, u32be(zlib.crc32(body))]);
}

/** A 1×1 PNG, with a text chunk that pads it to `size` bytes. */
export function png(size = 2048): Buffer {
  const ihdr = pngChunk('IHDR', Buffer.concat([u32be(1), u32be(1), Buffer.from([8, 2, 0, 0, 0])]));
  const idat = pngChunk('IDAT', zlib.deflateSync(Buffer.from([0, 0xff, 0x80, 0x00])));
  const iend = pngChunk('IEND', Buffer.alloc(0));
  const fixed = 8 + ihdr.length + idat.length + iend.length + 12;
  const text = Buffer.alloc(Math.max(8, size - fixed), 0x61);
  Buffer.from('Comment\0').copy(text);
  for (let i = 8; i < text.length; i += 89) text[i] = 0x61 + (i % 26);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, pngChunk('tEXt', text), idat, iend]);
}

/** A JPEG: SOI, a JFIF APP0 segment, comment segments as padding to `size` bytes, EOI. */
export function jpeg(size = 2048): Buffer {
  const app0 = Buffer.concat([Buffer.from([0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])]);
  const parts = [Buffer.from([0xff, 0xd8]), app0];
  for (let left = size - 2 - app0.length - 2; left > 0; ) {
    const length = Math.min(65535, Math.max(2, left - 2)); // a segment's length counts its 2 length bytes
    parts.push(Buffer.from([0xff, 0xfe, length >> 8, length & 0xff]), Buffer.alloc(length - 2, 0x20));
    left -= length + 2;
  }
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

export function gif(): Buffer {
  return Buffer.concat([
    Buffer.from('GIF89a'), u16le(1), u16le(1), Buffer.from([0x80, 0, 0]), Buffer.from([0, 0, 0, 0xff, 0xff, 0xff]),
    Buffer.from([0x2c]), u16le(0), u16le(0), u16le(1), u16le(1), Buffer.from([0]),
    Buffer.from([2, 2, 0x44, 0x01, 0]), Buffer.from([0x3b]),
  ]);
}

/** A PDF with the customary binary comment line and a compressed content stream. */
export function pdf(size = 2048): Buffer {
  const content = zlib.deflateSync(Buffer.from('BT /F1 12 Tf 72 720 Td (Price list) Tj ET'));
  const head = Buffer.concat([
    Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
    Buffer.from('1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n'),
    Buffer.from(`3 0 obj << /Length ${content.length} /Filter /FlateDecode >> stream\n`), content, Buffer.from('\nendstream endobj\n'),
  ]);
  const tail = Buffer.from('trailer << /Root 1 0 R >>\n%%EOF\n');
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length - tail.length), 0x0a), tail]);
}

/** A PDF of printable text only (no binary line, no compressed stream). */
export function textOnlyPdf(): Buffer {
  return Buffer.from('%PDF-1.1\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
}

// ---------------------------------------------------------------------------------------------
// Text

const PRICES = 'Item;Price\nCafé crème;3,50 €\n“Special” tea;2,00 €\n';

export const text = {
  utf8: (s = PRICES) => Buffer.from(s),
  utf8Bom: (s = PRICES) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)]),
  utf16le: (s = PRICES) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]),
  utf16be: (s = PRICES) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]),
  /** UTF-16 without a byte-order mark: not told apart from binary, so refused. */
  utf16leNoBom: (s = PRICES) => Buffer.from(s, 'utf16le'),
  /** Windows-1252: é, €, and curly quotes (0x93/0x94, which Latin-1 would call control codes). */
  windows1252: (s = PRICES) => {
    const map: Record<string, number> = { '€': 0x80, '“': 0x93, '”': 0x94 };
    return Buffer.from([...s].map((c) => map[c] ?? c.charCodeAt(0)));
  },
  /** ISO-8859-1 text: accented letters only. */
  latin1: () => Buffer.from('Produit;Prix\nCafé crème;3,50\nThé glacé;2,00\n', 'latin1'),
};
