import type { FileTypeResult } from 'file-type';
import type { CfbApplication } from './cfb-directory.js';
import { QUICKTIME_FIRST_ATOMS } from './iso-bmff-tracks.js';

/**
 * The formats content is recognised as, and which extension accepts which. A format is named by
 * our extension for it (`docx`, `m4a`, …) or, for anything else, by file-type's (`webm`, `exe`).
 */
export type Format = string;

/** The format each accepted extension stands for, where the two names differ. */
const FORMAT_OF_EXTENSION: Readonly<Record<string, Format>> = { jpeg: 'jpg', csv: 'txt' };

/** file-type results that are one of our formats under another name. */
const SAME_AS: Readonly<Record<string, Format>> = { mp1: 'mp3', mp2: 'mp3' };

/** ZIP-based formats: a `.zip` accepts any of them that has no accepted extension of its own. */
const ZIP_BASED: ReadonlySet<Format> = new Set([
  'zip', 'docx', 'xlsx', 'pptx', 'docm', 'dotx', 'dotm', 'xlsm', 'xltx', 'xltm', 'pptm', 'ppsx', 'ppsm', 'potx',
  'potm', 'odt', 'ott', 'ods', 'ots', 'odp', 'otp', 'odg', 'otg', 'epub', 'jar', 'apk', 'xpi', 'key', 'numbers',
  'pages', '3mf', 'vsdx',
]);
const OWN_EXTENSION: ReadonlySet<Format> = new Set(['docx', 'xlsx', 'pptx']);

/** Formats file-type recognises that are text, so a `.txt`/`.csv` holding one is judged as text. */
export const TEXT_BASED: ReadonlySet<Format> = new Set(['xml', 'vtt', 'vcf', 'ics', 'svg']);

const LABELS: Readonly<Record<Format, string>> = {
  // Ours, as the refusal names what the extension promised.
  jpg: 'a JPEG image',
  png: 'a PNG image',
  gif: 'a GIF image',
  mkv: 'a Matroska video',
  mov: 'a QuickTime movie',
  mp4: 'an MP4 video',
  opus: 'an Opus audio file',
  aac: 'an AAC audio file',
  amr: 'an AMR audio file',
  m4a: 'an MPEG-4 audio file',
  mp3: 'an MP3 audio file',
  pdf: 'a PDF document',
  doc: 'a Word 97–2003 document',
  docx: 'a Word document',
  xls: 'an Excel 97–2003 workbook',
  xlsx: 'an Excel workbook',
  ppt: 'a PowerPoint 97–2003 presentation',
  pptx: 'a PowerPoint presentation',
  txt: 'a text file',
  zip: 'a ZIP archive',
  // Others that builders are likely to meet.
  cfb: 'an OLE compound file that is not from Word, Excel or PowerPoint',
  ole: 'an Office 97–2003 file (OLE compound file)', // before its directory is read
  webm: 'a WebM video',
  ogg: 'an Ogg Vorbis audio file',
  ogv: 'an Ogg video',
  ogm: 'an Ogg video',
  oga: 'an Ogg FLAC audio file',
  spx: 'an Ogg Speex audio file',
  ogx: 'an Ogg file',
  docm: 'a macro-enabled Word document',
  dotx: 'a Word template',
  dotm: 'a macro-enabled Word template',
  xlsm: 'a macro-enabled Excel workbook',
  xltx: 'an Excel template',
  xltm: 'a macro-enabled Excel template',
  pptm: 'a macro-enabled PowerPoint presentation',
  ppsx: 'a PowerPoint slide show',
  ppsm: 'a macro-enabled PowerPoint slide show',
  potx: 'a PowerPoint template',
  potm: 'a macro-enabled PowerPoint template',
  odt: 'an OpenDocument text',
  ods: 'an OpenDocument spreadsheet',
  odp: 'an OpenDocument presentation',
  epub: 'an EPUB e-book',
  jar: 'a Java archive',
  apk: 'an Android app',
  webp: 'a WebP image',
  bmp: 'a BMP image',
  tif: 'a TIFF image',
  heic: 'a HEIC image',
  avif: 'an AVIF image',
  ico: 'an icon',
  psd: 'a Photoshop image',
  wav: 'a WAV audio file',
  flac: 'a FLAC audio file',
  aif: 'an AIFF audio file',
  wma: 'a Windows Media audio file',
  wmv: 'a Windows Media video',
  avi: 'an AVI video',
  flv: 'a Flash video',
  mpg: 'an MPEG video',
  mts: 'an MPEG transport stream',
  rar: 'a RAR archive',
  '7z': 'a 7-Zip archive',
  gz: 'a gzip archive',
  bz2: 'a bzip2 archive',
  xz: 'an xz archive',
  zst: 'a Zstandard archive',
  tar: 'a tar archive',
  exe: 'a Windows program',
  elf: 'a Linux program',
  macho: 'a macOS program',
  dmg: 'a disk image',
  iso: 'a disk image',
  rtf: 'an RTF document',
  xml: 'an XML file',
  ps: 'a PostScript file',
  sqlite: 'an SQLite database',
};

const EXTENSION_LABELS: Readonly<Record<string, string>> = { csv: 'a CSV file' };

/** "a PNG image": what content of this format is, in a refusal. */
export function labelOf(format: Format): string {
  return LABELS[format] ?? `a .${format} file`;
}

/** What a file with this extension should be, in a refusal. */
export function labelOfExtension(extension: string): string {
  return EXTENSION_LABELS[extension] ?? labelOf(formatOfExtension(extension));
}

export function formatOfExtension(extension: string): Format {
  return FORMAT_OF_EXTENSION[extension] ?? extension;
}

export function extensionAccepts(extension: string, format: Format): boolean {
  const expected = formatOfExtension(extension);
  return format === expected || (expected === 'zip' && ZIP_BASED.has(format) && !OWN_EXTENSION.has(format));
}

export const LEGACY_OFFICE: Readonly<Record<CfbApplication | 'other', Format>> = {
  word: 'doc',
  excel: 'xls',
  powerpoint: 'ppt',
  other: 'cfb',
};

/** What an ISO base media file's brand claims (file-type names the brand by an extension). */
export type IsoBrand = 'quicktime' | 'audio' | 'video';
const AUDIO_BRANDS = new Set(['m4a', 'm4b', 'm4p', 'f4a', 'f4b']);
const VIDEO_BRANDS = new Set(['mp4', 'm4v', 'f4v', 'f4p', '3gp', '3g2']);

export function isoBrand(detected: FileTypeResult | undefined, firstBox: string | undefined): IsoBrand | undefined {
  if (!detected) return firstBox && QUICKTIME_FIRST_ATOMS.has(firstBox) ? 'quicktime' : undefined;
  if (detected.ext === 'mov') return 'quicktime';
  if (AUDIO_BRANDS.has(detected.ext)) return 'audio';
  if (VIDEO_BRANDS.has(detected.ext)) return 'video';
  return undefined;
}

/**
 * An ISO base media file's format: audio only when its tracks are sound and no video, video
 * when any track is, and the brand where the tracks do not say (none found, or neither kind).
 * 3GP and iTunes M4V are MP4 video to every player, so they count as `mp4`.
 */
export function isoFormat(brand: IsoBrand, handlers: readonly string[]): Format {
  const video = handlers.includes('vide');
  if (handlers.includes('soun') && !video) return 'm4a';
  if (video || brand !== 'audio') return brand === 'quicktime' ? 'mov' : 'mp4';
  return 'm4a';
}

/** The format file-type's answer stands for, when no further inspection refines it. */
export function formatOfDetected(detected: FileTypeResult): Format {
  return SAME_AS[detected.ext] ?? detected.ext;
}
