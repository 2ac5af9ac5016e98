import { CfbDirectoryInspector } from './cfb-directory.js';
import { FileTypeFeed } from './file-type-feed.js';
import {
  extensionAccepts,
  formatOfDetected,
  formatOfExtension,
  isoBrand,
  isoFormat,
  labelOf,
  LEGACY_OFFICE,
  TEXT_BASED,
  type Format,
} from './formats.js';
import { IsoBmffTracks } from './iso-bmff-tracks.js';
import { TextInspector, type TextEncoding } from './text-encoding.js';

/** Whether the content is what the extension says; a refusal says what it looks like instead. */
export type SniffVerdict = { ok: true; encoding?: TextEncoding } | SniffRefusal;
export interface SniffRefusal {
  ok: false;
  /** "a ZIP archive": what the content was recognised as. */
  looksLike?: string;
  /** A text type whose content is not text in any accepted encoding. */
  notText?: boolean;
}

/** Formats whose answer waits for the end of the file, and what that answer can be. */
const REFINED_AT_END: Readonly<Record<'iso' | 'cfb', ReadonlySet<Format>>> = {
  iso: new Set(['mp4', 'mov', 'm4a']),
  cfb: new Set(['doc', 'xls', 'ppt']),
};

/**
 * Decides, as an upload streams past once, whether its content is what its extension says.
 *
 * file-type (see FileTypeFeed) names the format from its magic numbers and, for ZIP, from the
 * entries (OOXML by `[Content_Types].xml`'s main part); it also tells Matroska from WebM (EBML
 * DocType), Opus from Vorbis or Theora (the first Ogg packet) and MP3 from AAC (ADTS). What it
 * does not decide we read ourselves while the bytes pass: the application of an OLE compound
 * file (CfbDirectoryInspector), the tracks of an MP4/QuickTime file (IsoBmffTracks) and the
 * text encoding of `.txt`/`.csv` (TextInspector). Nothing is held whole in memory.
 *
 * `refusal()` answers early when the content cannot match whatever comes later, so the rest of
 * a mislabelled upload is not stored; `end()` gives the final verdict.
 */
export class ContentSniffer {
  private readonly feed = new FileTypeFeed();
  private readonly text?: TextInspector;
  private readonly tracks = new IsoBmffTracks();
  private readonly cfb = new CfbDirectoryInspector();

  constructor(private readonly extension: string) {
    if (formatOfExtension(extension) === 'txt') this.text = new TextInspector(); // .txt and .csv
  }

  async push(chunk: Buffer): Promise<void> {
    this.text?.push(chunk);
    this.tracks.push(chunk);
    this.cfb.push(chunk);
    await this.feed.push(chunk);
  }

  /** A refusal that no later byte can change, if there is one yet. */
  async refusal(): Promise<SniffRefusal | undefined> {
    if (this.text) {
      if (!this.text.failed) return undefined;
      // Not text: let file-type decide on what it has, to say what the file is instead.
      await this.feed.finish();
      return this.textRefusal(this.recognise(false));
    }
    if (!this.feed.settled) return undefined;
    const family = this.family();
    if (family && REFINED_AT_END[family].has(formatOfExtension(this.extension))) return undefined;
    const format = this.recognise(false);
    return format !== undefined && extensionAccepts(this.extension, format) ? undefined : this.mismatch(format);
  }

  async end(): Promise<SniffVerdict> {
    await this.feed.finish();
    if (this.text) {
      const encoding = this.text.end();
      return encoding ? { ok: true, encoding } : this.textRefusal(this.recognise(true));
    }
    const format = this.recognise(true);
    return format !== undefined && extensionAccepts(this.extension, format) ? { ok: true } : this.mismatch(format);
  }

  /** Lets file-type go when the upload stops before its end. */
  abandon(): void {
    this.feed.abandon();
  }

  private family(): 'iso' | 'cfb' | undefined {
    if (isoBrand(this.feed.detected, this.tracks.firstBox)) return 'iso';
    return this.feed.detected?.ext === 'cfb' ? 'cfb' : undefined;
  }

  /** The content's format; before the end, ISO files go by brand and compound files are unread. */
  private recognise(final: boolean): Format | undefined {
    const detected = this.feed.detected;
    const brand = isoBrand(detected, this.tracks.firstBox);
    if (brand) return isoFormat(brand, final ? this.tracks.handlers : []);
    if (!detected) return undefined;
    if (detected.ext === 'cfb') {
      if (!final) return 'ole';
      const application = this.cfb.end();
      return application && LEGACY_OFFICE[application]; // undefined: a directory we could not follow
    }
    return formatOfDetected(detected);
  }

  private mismatch(format: Format | undefined): SniffRefusal {
    return { ok: false, looksLike: format === undefined ? undefined : labelOf(format) };
  }

  private textRefusal(format: Format | undefined): SniffRefusal {
    return format === undefined || TEXT_BASED.has(format) ? { ok: false, notText: true } : { ok: false, looksLike: labelOf(format) };
  }
}
