import { jpeg, movie, mp3, ooxml, png } from './formats.js';

/**
 * Small valid files of each kind. The content check reads structure, not only magic numbers
 * (an MP4's tracks, a .docx's main part), so the media and Office files are well formed
 * (test/support/formats.ts); the others are a magic number and padding.
 */
export const FILES = {
  pdf: (size = 2048) => pad(Buffer.from('%PDF-1.7\n'), size),
  png: (size = 2048) => png(size),
  jpg: (size = 2048) => jpeg(size),
  gif: (size = 2048) => pad(Buffer.from('GIF89a'), size),
  /** A video track and a sound track, padded with media data to `size` bytes. */
  mp4: (size = 4096) => movie({ size }),
  mp3: (size = 2048) => mp3(size),
  docx: () => ooxml('word'),
  elf: (size = 2048) => pad(Buffer.from([0x7f, 0x45, 0x4c, 0x46]), size),
  txt: (text = 'Prices valid until December.\n') => Buffer.from(text),
};

function pad(head: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size, 0x20);
  head.copy(out);
  // Varied tail bytes so different sizes give different hashes.
  for (let i = head.length; i < size; i += 97) out[i] = i % 251;
  return out;
}
