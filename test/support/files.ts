/** Small valid files of each kind, built from their magic numbers. */
export const FILES = {
  pdf: (size = 2048) => pad(Buffer.from('%PDF-1.7\n'), size),
  png: (size = 2048) => pad(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), size),
  jpg: (size = 2048) => pad(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), size),
  gif: (size = 2048) => pad(Buffer.from('GIF89a'), size),
  mp4: (size = 4096) => pad(Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom')]), size),
  mp3: (size = 2048) => pad(Buffer.from('ID3'), size),
  docx: (size = 2048) => pad(Buffer.from([0x50, 0x4b, 0x03, 0x04]), size),
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
