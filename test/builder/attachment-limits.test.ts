import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

describe('attachmentLimits', () => {
  let stack: TestStack;
  let acme: TestAccount;
  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  it('serves the accepted types, 75 MB cap, 10-file limit, field limits and the drawer defaults (S01 AC-1)', async () => {
    const res = await stack.client.query(
      acme.tokens.VIEWER,
      `{ attachmentLimits { maxFileBytes maxFilesPerAction acceptedExtensions acceptedByKind { kind extensions }
         fields { nameMaxChars triggerMaxChars contentMessageMaxChars } defaults { name trigger } } }`,
    );
    expect(res.data.attachmentLimits).toEqual({
      maxFileBytes: 78_643_200,
      maxFilesPerAction: 10,
      acceptedExtensions: ['jpg', 'jpeg', 'png', 'gif', 'mkv', 'mov', 'mp4', 'opus', 'aac', 'amr', 'm4a', 'mp3',
        'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'csv', 'txt', 'zip'],
      acceptedByKind: [
        { kind: 'image', extensions: ['jpg', 'jpeg', 'png', 'gif'] },
        { kind: 'video', extensions: ['mkv', 'mov', 'mp4'] },
        { kind: 'audio', extensions: ['opus', 'aac', 'amr', 'm4a', 'mp3'] },
        { kind: 'document', extensions: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'csv', 'txt', 'zip'] },
      ],
      fields: { nameMaxChars: 100, triggerMaxChars: 1024, contentMessageMaxChars: 1024 },
      defaults: {
        name: 'Send attachment',
        trigger: 'When a customer requests a file, document, or image, such as asking for a brochure, invoice, or photo.',
      },
    });
  });

  it('serves the channel limits table with a source for each row', async () => {
    const res = await stack.client.query(
      acme.tokens.VIEWER,
      '{ attachmentLimits { channels { channel label supportsAttachments source kinds { kind supported maxBytes extensions } } } }',
    );
    const channels = res.data.attachmentLimits.channels;
    expect(channels.map((c: { channel: string }) => c.channel)).toEqual([
      'whatsapp', 'telegram', 'email', 'line', 'twitter', 'tokopedia', 'instagram',
    ]);
    for (const c of channels) expect(c.source.length).toBeGreaterThan(10);
    const whatsapp = channels.find((c: { channel: string }) => c.channel === 'whatsapp');
    expect(whatsapp.kinds.find((k: { kind: string }) => k.kind === 'image')).toEqual({
      kind: 'image', supported: true, maxBytes: 5 * 1024 * 1024, extensions: ['jpg', 'jpeg', 'png'],
    });
    expect(channels.find((c: { channel: string }) => c.channel === 'instagram').supportsAttachments).toBe(false);
  });
});
