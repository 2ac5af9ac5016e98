/**
 * The content-sniffing corpus: a well-formed file of each format, and the same files renamed to
 * a sibling format's extension (the mix-ups a builder actually makes). Built by hand at test
 * time (test/support/formats.ts), so nothing binary is shipped.
 */
import * as F from './formats.js';

export interface Sample {
  /** The name it is uploaded under: its extension is what the file claims to be. */
  name: string;
  content: Buffer;
  /** Accepted with this MIME type rather than the extension's plain one (text in another charset). */
  mimeType?: string;
  /** Refused with exactly this message. */
  message?: string;
}

/** libmagic's MIME types, and the accepted extensions whose content each one is. */
export const LIBMAGIC_EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'video/x-matroska': ['mkv'],
  'video/quicktime': ['mov'],
  'video/mp4': ['mp4'],
  'audio/ogg': ['opus'],
  'audio/x-hx-aac-adts': ['aac'],
  'audio/amr': ['amr'],
  'audio/x-m4a': ['m4a'],
  'audio/mpeg': ['mp3'],
  'application/pdf': ['pdf'],
  'application/msword': ['doc'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/zip': ['zip'],
  'text/plain': ['txt', 'csv'],
  'text/csv': ['csv', 'txt'],
};

const mp4 = () => F.movie({ brand: 'isom', tracks: ['vide', 'soun'], size: 20_000 });
const mov = () => F.movie({ brand: 'qt  ', tracks: ['vide', 'soun'], size: 20_000 });
const m4a = () => F.movie({ brand: 'M4A ', compatible: ['M4A ', 'isom', 'mp42'], tracks: ['soun'], size: 12_000 });
const docWithSheet = () =>
  F.cfb(
    [{ name: 'WordDocument', size: 8192 }, { name: '1Table' }, { name: 'ObjectPool', children: [{ name: '_1234567', children: [{ name: 'Workbook' }] }] }],
    { clsid: F.CLSID.word },
  );
const sheetWithDoc = () =>
  F.cfb([{ name: 'Workbook', size: 8192 }, { name: 'MBD0001A2B3', children: [{ name: 'WordDocument' }] }], { clsid: F.CLSID.excel });
const docm = () => F.ooxml('word', { mainType: 'application/vnd.ms-word.document.macroEnabled.main+xml' });

export function sniffingCorpus(): Sample[] {
  return [
    // Images
    { name: 'photo.jpg', content: F.jpeg() },
    { name: 'photo.jpeg', content: F.jpeg(3000) },
    { name: 'logo.png', content: F.png() },
    { name: 'banner.gif', content: F.gif() },
    { name: 'logo-png.jpg', content: F.png(), message: '"logo-png.jpg" looks like a PNG image, not a JPEG image.' },
    { name: 'photo-jpeg.png', content: F.jpeg(), message: '"photo-jpeg.png" looks like a JPEG image, not a PNG image.' },
    { name: 'banner-gif.png', content: F.gif() },
    { name: 'program-elf.jpg', content: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(2041)]), message: '"program-elf.jpg" looks like a Linux program, not a JPEG image.' },

    // Video
    { name: 'tour.mp4', content: mp4() },
    { name: 'tour-moov-at-end.mp4', content: F.movie({ moovLast: true, size: 200_000 }) },
    { name: 'tour.mov', content: mov() },
    { name: 'tour-without-ftyp.mov', content: F.movie({ brand: null, size: 20_000 }) },
    { name: 'tour.mkv', content: F.matroska('matroska') },
    { name: 'tour-3gp.mp4', content: F.movie({ brand: '3gp4', compatible: ['3gp4', 'isom'], size: 20_000 }) },
    { name: 'tour-m4v.mp4', content: F.movie({ brand: 'M4V ', compatible: ['M4V ', 'M4A ', 'mp42', 'isom'], size: 20_000 }) },
    { name: 'tour-mp4.m4a', content: mp4(), message: '"tour-mp4.m4a" looks like an MP4 video, not an MPEG-4 audio file.' },
    { name: 'tour-mp4.mov', content: mp4(), message: '"tour-mp4.mov" looks like an MP4 video, not a QuickTime movie.' },
    { name: 'tour-mov.mp4', content: mov(), message: '"tour-mov.mp4" looks like a QuickTime movie, not an MP4 video.' },
    { name: 'tour-webm.mkv', content: F.matroska('webm'), message: '"tour-webm.mkv" looks like a WebM video, not a Matroska video.' },
    { name: 'tour-mkv.mp4', content: F.matroska('matroska') },
    { name: 'clip-theora.mp4', content: F.ogg('theora') },

    // Audio
    { name: 'jingle.m4a', content: m4a() },
    { name: 'jingle-moov-at-end.m4a', content: F.movie({ brand: 'M4A ', tracks: ['soun'], moovLast: true, size: 100_000 }) },
    { name: 'jingle-m4a.mov', content: m4a(), message: '"jingle-m4a.mov" looks like an MPEG-4 audio file, not a QuickTime movie.' },
    { name: 'jingle-m4a.mp4', content: m4a(), message: '"jingle-m4a.mp4" looks like an MPEG-4 audio file, not an MP4 video.' },
    { name: 'voice-isom-audio-only.m4a', content: F.movie({ brand: 'isom', tracks: ['soun'], size: 12_000 }) },
    { name: 'voice-isom-audio-only.mp4', content: F.movie({ brand: 'mp42', compatible: ['mp42', 'isom'], tracks: ['soun'], size: 12_000 }) },
    { name: 'voice-quicktime-audio-only.mov', content: F.movie({ brand: 'qt  ', tracks: ['soun'], size: 12_000 }) },
    { name: 'voice.opus', content: F.ogg('opus') },
    { name: 'voice-vorbis.opus', content: F.ogg('vorbis'), message: '"voice-vorbis.opus" looks like an Ogg Vorbis audio file, not an Opus audio file.' },
    { name: 'clip-theora.opus', content: F.ogg('theora'), message: '"clip-theora.opus" looks like an Ogg video, not an Opus audio file.' },
    { name: 'song.mp3', content: F.mp3() },
    { name: 'song-without-id3.mp3', content: F.mp3(3000, false) },
    { name: 'song.aac', content: F.adts() },
    { name: 'song-aac.mp3', content: F.adts(), message: '"song-aac.mp3" looks like an AAC audio file, not an MP3 audio file.' },
    { name: 'song-mp3.aac', content: F.mp3(2500, false), message: '"song-mp3.aac" looks like an MP3 audio file, not an AAC audio file.' },
    { name: 'memo.amr', content: F.amr() },
    { name: 'memo-amr.mp3', content: F.amr() },
    { name: 'voice-opus.m4a', content: F.ogg('opus') },

    // PDF and Office Open XML
    { name: 'price-list.pdf', content: F.pdf() },
    { name: 'price-list.docx', content: F.ooxml('word') },
    { name: 'price-list-libreoffice.docx', content: F.ooxml('word', { order: 'libreoffice' }) },
    { name: 'price-list-streamed.docx', content: F.ooxml('word', { descriptor: true, padding: 50_000 }) },
    { name: 'prices.xlsx', content: F.ooxml('excel') },
    { name: 'prices-libreoffice.xlsx', content: F.ooxml('excel', { order: 'libreoffice', padding: 300_000 }) },
    { name: 'deck.pptx', content: F.ooxml('powerpoint') },
    { name: 'archive.zip', content: F.plainZip() },
    { name: 'archive-zip.docx', content: F.plainZip(), message: '"archive-zip.docx" looks like a ZIP archive, not a Word document.' },
    { name: 'archive-zip.xlsx', content: F.plainZip(), message: '"archive-zip.xlsx" looks like a ZIP archive, not an Excel workbook.' },
    { name: 'archive-zip.pptx', content: F.plainZip() },
    { name: 'price-list-docx.xlsx', content: F.ooxml('word'), message: '"price-list-docx.xlsx" looks like a Word document, not an Excel workbook.' },
    { name: 'prices-xlsx.docx', content: F.ooxml('excel') },
    { name: 'deck-pptx.docx', content: F.ooxml('powerpoint') },
    { name: 'prices-xlsx.pptx', content: F.ooxml('excel', { order: 'libreoffice' }) },
    { name: 'price-list-docx.zip', content: F.ooxml('word'), message: '"price-list-docx.zip" looks like a Word document, not a ZIP archive.' },
    { name: 'price-list-docx.pdf', content: F.ooxml('word') },
    { name: 'macros-docm.docx', content: docm(), message: '"macros-docm.docx" looks like a macro-enabled Word document, not a Word document.' },
    { name: 'letter-odt.zip', content: F.odt() },
    { name: 'letter-odt.docx', content: F.odt() },

    // Office 97-2003 (OLE compound files)
    { name: 'letter.doc', content: F.doc() },
    { name: 'letter-directory-at-end.doc', content: F.doc({ directoryLast: true }) },
    { name: 'letter-4096-byte-sectors.doc', content: F.doc({ version4: true }) },
    // 9 MB: more FAT sectors than the header lists (the rest are in a DIFAT sector), the directory
    // at the end and two sectors long, and no CLSID: the root's children must be found by the FAT.
    {
      name: 'letter-9mb-directory-at-end.doc',
      content: F.cfb(
        [{ name: 'CompObj' }, { name: 'Data' }, { name: 'ObjInfo' }, { name: '1Table' }, { name: 'WordDocument', size: 9 * 1024 * 1024 }],
        { directoryLast: true },
      ),
    },
    { name: 'letter-with-sheet.doc', content: docWithSheet() },
    { name: 'prices.xls', content: F.xls() },
    { name: 'prices-excel5-book.xls', content: F.cfb([{ name: 'Book', size: 8192 }]) },
    { name: 'prices-with-letter.xls', content: sheetWithDoc() },
    { name: 'deck.ppt', content: F.ppt() },
    { name: 'letter-doc.xls', content: F.doc(), message: '"letter-doc.xls" looks like a Word 97–2003 document, not an Excel 97–2003 workbook.' },
    { name: 'prices-xls.doc', content: F.xls(), message: '"prices-xls.doc" looks like an Excel 97–2003 workbook, not a Word 97–2003 document.' },
    { name: 'prices-with-letter-xls.doc', content: sheetWithDoc() },
    { name: 'deck-ppt.doc', content: F.ppt(), message: '"deck-ppt.doc" looks like a PowerPoint 97–2003 presentation, not a Word 97–2003 document.' },
    { name: 'installer-ole.doc', content: F.cfb([{ name: 'SummaryInfo' }, { name: 'Tables' }]) },
    { name: 'letter-doc.docx', content: F.doc() },
    { name: 'price-list-docx.doc', content: F.ooxml('word'), message: '"price-list-docx.doc" looks like a Word document, not a Word 97–2003 document.' },

    // Text
    { name: 'notes.txt', content: F.text.utf8() },
    { name: 'notes-bom.txt', content: F.text.utf8Bom() },
    { name: 'prices.csv', content: F.text.utf8() },
    { name: 'prices-utf16le.csv', content: F.text.utf16le(), mimeType: 'text/csv; charset=utf-16le' },
    { name: 'prices-utf16be.txt', content: F.text.utf16be(), mimeType: 'text/plain; charset=utf-16be' },
    { name: 'prices-windows-1252.csv', content: F.text.windows1252(), mimeType: 'text/csv; charset=windows-1252' },
    { name: 'prices-latin1.txt', content: F.text.latin1(), mimeType: 'text/plain; charset=windows-1252' },
    { name: 'product-codes-mz.csv', content: Buffer.from('MZ-100;Tea\nMZ-200;Coffee\n') },
    { name: 'prices-utf16-without-bom.csv', content: F.text.utf16leNoBom() },
    { name: 'log-with-escapes.txt', content: Buffer.from('Caf\xe9 \x1b[1mbold\x1b[0m\n', 'latin1') },
    { name: 'notes-control-byte.txt', content: Buffer.from('Prices\x01 valid\n') },
    { name: 'logo-png.txt', content: F.png(), message: '"logo-png.txt" looks like a PNG image, not a text file.' },
    { name: 'price-list-pdf.txt', content: F.pdf() },
    { name: 'price-list-text-only-pdf.txt', content: F.textOnlyPdf() },
    { name: 'notes-txt.pdf', content: F.text.utf8(), message: '"notes-txt.pdf" does not contain what its .pdf name says.' },
  ];
}
