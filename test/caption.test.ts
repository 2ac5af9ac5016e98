import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../server/src/channels/channels.js';
import { captionFor, cutAtWordBoundary } from '../server/src/sends/caption.js';

describe('captions', () => {
  it('uses the stored message in MANUAL mode whatever the call says', () => {
    expect(captionFor({ contentMode: 'MANUAL', contentMessage: 'Stored' }, 'From AI', CHANNELS.whatsapp)).toBe('Stored');
  });

  it("uses the call's caption in AI mode, none when empty", () => {
    expect(captionFor({ contentMode: 'AI', contentMessage: 'Stored' }, ' From AI ', CHANNELS.whatsapp)).toBe('From AI');
    expect(captionFor({ contentMode: 'AI', contentMessage: null }, '   ', CHANNELS.whatsapp)).toBeNull();
  });

  it('cuts at the last word boundary that fits, without splitting an emoji, and hard-cuts one long word', () => {
    expect(cutAtWordBoundary('hello wonderful world', 14)).toBe('hello');
    expect(cutAtWordBoundary('hello wonderful world', 15)).toBe('hello wonderful');
    expect(cutAtWordBoundary('hello wonderful world', 16)).toBe('hello wonderful');
    expect(cutAtWordBoundary('hello world', 11)).toBe('hello world');
    expect(cutAtWordBoundary('abcdefghij', 4)).toBe('abcd');
    expect(cutAtWordBoundary('😀😀😀 😀😀', 4)).toBe('😀😀😀');
  });
});
