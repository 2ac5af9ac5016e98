import { describe, expect, it } from 'vitest';
import { actionMisfits, carriersOf, listLabels, misfitsOf } from '../../admin/app/utils/channel-fit.js';
import { attachmentLimits, channelSupportOf } from '../../server/src/files/attachment-limits.js';

const MB = 1024 * 1024;
/** The admin's view of a file: the server's own per-channel answer for it. */
const file = (fileName: string, kind: string, extension: string, sizeBytes: number) => ({
  fileName,
  channels: channelSupportOf({ kind, extension, sizeBytes }),
});
const carriers = carriersOf(attachmentLimits());

describe('channel fit', () => {
  it('counts every channel that carries attachments, not Instagram', () => {
    expect([...carriers]).toEqual(['whatsapp', 'telegram', 'email', 'line', 'twitter', 'tokopedia']);
  });

  it('names the channels a 6 MB JPEG is too large for, with the server reason', () => {
    expect(misfitsOf(file('menu.jpg', 'image', 'jpg', 6 * MB), carriers)).toEqual([
      { channel: 'whatsapp', label: 'WhatsApp', reason: 'WhatsApp limits image files to 5 MB' },
      { channel: 'twitter', label: 'Twitter (X DM)', reason: 'Twitter (X DM) limits image files to 5 MB' },
      { channel: 'tokopedia', label: 'Tokopedia Chat', reason: 'Tokopedia Chat limits image files to 5 MB' },
    ]);
  });

  it('has nothing to say about a small JPEG, though Instagram carries no file', () => {
    const small = file('menu.jpg', 'image', 'jpg', 2048);
    expect(small.channels.find((c) => c.channel === 'instagram')?.supported).toBe(false);
    expect(misfitsOf(small, carriers)).toEqual([]);
  });

  it('lists only the files that do not fit, in order', () => {
    const files = [file('menu.jpg', 'image', 'jpg', 2048), file('price-list.pdf', 'document', 'pdf', 2048)];
    expect(actionMisfits(files, carriers).map((f) => [f.fileName, f.misfits.map((m) => m.label)])).toEqual([
      ['price-list.pdf', ['LINE', 'Twitter (X DM)', 'Tokopedia Chat']],
    ]);
  });

  it('joins labels as a sentence does', () => {
    expect(listLabels(['WhatsApp'])).toBe('WhatsApp');
    expect(listLabels(['WhatsApp', 'LINE'])).toBe('WhatsApp and LINE');
    expect(listLabels(['WhatsApp', 'LINE', 'Email'])).toBe('WhatsApp, LINE and Email');
  });
});
