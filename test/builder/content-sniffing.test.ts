import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extensionOf } from '../../server/src/files/file-name.js';
import { kindOfExtension, MIME_TYPES } from '../../server/src/files/limits.js';
import { uploadFile } from '../support/operations.js';
import { LIBMAGIC_EXTENSIONS, sniffingCorpus } from '../support/sniffing-corpus.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

/**
 * Every file where the server's verdict deliberately differs from libmagic's (Debian's
 * `file --mime-type -b`, 5.44), and why. A file listed here must disagree, and every other file
 * must agree: accepted exactly when libmagic's MIME type is content of the claimed extension.
 */
const DISAGREEMENTS: Readonly<Record<string, string>> = {
  'tour-3gp.mp4':
    'accepted: 3GPP is ISO base media with a video track, played as MP4 everywhere; libmagic says video/3gpp, which has no accepted extension.',
  'tour-m4v.mp4': 'accepted: iTunes M4V is MP4 video with a video track; libmagic says video/x-m4v.',
  'voice-isom-audio-only.m4a':
    'accepted: its only track is sound, so it is MPEG-4 audio; libmagic reads only the generic isom brand (video/mp4).',
  'voice-isom-audio-only.mp4':
    'refused: no video track, so it is audio that a channel would offer as a video; libmagic reads only the brand (video/mp4).',
  'voice-quicktime-audio-only.mov':
    'refused: a QuickTime file with only a sound track is audio, not a movie; libmagic reads only the qt brand (video/quicktime).',
  'voice-vorbis.opus':
    'refused: the first Ogg packet is Vorbis, and .opus means the Opus codec (what channels play voice notes as); libmagic says audio/ogg for any Ogg audio.',
  'macros-docm.docx':
    'refused: the main part is a macro-enabled document, which Word will not open as .docx; libmagic goes by the word/ folder.',
  'letter-odt.zip':
    'accepted: an OpenDocument file is a ZIP archive and has no accepted extension of its own; libmagic says application/vnd.oasis.opendocument.text.',
  'deck.ppt':
    'accepted: the root storage holds the "PowerPoint Document" stream; libmagic 5.44 looks for a stream named "PowerPoint" and, without a summary stream, says application/x-ole-storage.',
  'letter-with-sheet.doc':
    'accepted: WordDocument is under the root and the Excel chart is an embedded object (ObjectPool); libmagic takes a Workbook stream anywhere in the file for Excel.',
  'log-with-escapes.txt':
    'refused: ESC is a control character, and text may hold only TAB, LF, FF and CR; libmagic counts ESC as text.',
  'price-list-text-only-pdf.txt':
    'accepted: every byte is printable text, and .txt/.csv are judged as text first (so a CSV starting "MZ" is not a program); libmagic goes by the %PDF magic.',
};

describe('content sniffing, held against libmagic', () => {
  const corpus = sniffingCorpus();
  const libmagic = new Map<string, string>();
  let stack: TestStack;
  let acme: TestAccount;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-sniff-'));
    const files = corpus.map((sample) => {
      const file = path.join(dir, sample.name);
      fs.writeFileSync(file, sample.content);
      return file;
    });
    let out: string;
    try {
      out = execFileSync('file', ['--mime-type', '-b', ...files], { encoding: 'utf8' });
    } catch (error) {
      throw new Error(`libmagic's "file" is needed for this test (apt-get install file; .ci/run installs it): ${error}`, { cause: error });
    }
    out.trimEnd().split('\n').forEach((mime, i) => libmagic.set(corpus[i]!.name, mime.trim()));
    // About 370 uploads in a few seconds: more than a console token's default request budget allows.
    stack = await startTestStack({ RATE_LIMIT_CONSOLE_POINTS: '10000000' });
    acme = await stack.createAccount();
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists only disagreements about files in the corpus', () => {
    const names = new Set(corpus.map((s) => s.name));
    expect(Object.keys(DISAGREEMENTS).filter((name) => !names.has(name))).toEqual([]);
    expect(names.size).toBe(corpus.length);
  });

  it('answers damaged files with a verdict, never an internal error', async () => {
    // Deterministic damage (mulberry32), so a failure can be replayed.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const small = corpus.filter((s) => s.content.length < 1_000_000);
    for (let i = 0; i < 3 * small.length; i++) {
      const sample = small[i % small.length]!;
      const bytes = Buffer.from(sample.content.subarray(0, 1 + Math.floor(random() * sample.content.length)));
      for (let flips = Math.floor(random() * 8); flips > 0; flips--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const res = await uploadFile(stack.client, acme.tokens.ADMIN, { name: sample.name, content: bytes });
      if (res.errors) {
        expect(res.errors[0]?.extensions, `${sample.name} cut to ${bytes.length} bytes`).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TYPE_MISMATCH' });
      }
    }
    // Accepted ones became blobs; nothing a refusal cut off is left staged.
    expect((await stack.storedFiles()).filter((key) => key.startsWith('tmp/'))).toEqual([]);
  });

  it.each(corpus)('$name', async (sample) => {
    const extension = extensionOf(sample.name);
    const mime = libmagic.get(sample.name)!;
    const libmagicAccepts = LIBMAGIC_EXTENSIONS[mime]?.includes(extension) ?? false;
    const why = DISAGREEMENTS[sample.name];

    const storedBefore = await stack.storedFiles();
    const res = await uploadFile(stack.client, acme.tokens.ADMIN, { name: sample.name, content: sample.content });
    const accepted = res.errors === undefined;
    const verdicts = `server ${accepted ? 'accepts' : `refuses (${res.errors?.[0]?.message})`}; libmagic says ${mime}`;
    expect(accepted, why ? `${verdicts}; listed as a disagreement: ${why}` : verdicts).toBe(why ? !libmagicAccepts : libmagicAccepts);

    if (accepted) {
      expect(res.data!.uploadAttachment).toMatchObject({
        kind: kindOfExtension(extension),
        mimeType: sample.mimeType ?? MIME_TYPES[extension],
        sizeBytes: sample.content.length,
      });
    } else {
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file', reason: 'TYPE_MISMATCH' });
      if (sample.message) expect(res.errors?.[0]?.message).toBe(sample.message);
      // Refused early or at the end (an .xls named .doc), nothing of it is left in the store.
      expect(await stack.storedFiles()).toEqual(storedBefore);
    }
  });
});
