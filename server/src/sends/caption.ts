import type { ChannelRule } from '../channels/channels.js';
import { FIELD_LIMITS } from '../files/limits.js';

export interface CaptionSource {
  contentMode: 'AI' | 'MANUAL';
  contentMessage: string | null;
}

/**
 * The caption a send carries. MANUAL: the builder's stored message (the call's caption is
 * ignored: the builder chose the words). AI: the caption the model wrote for this call,
 * cut at a word boundary to what the channel carries. Empty means none.
 */
export function captionFor(action: CaptionSource, callCaption: string | null | undefined, channel: ChannelRule | null): string | null {
  if (action.contentMode === 'MANUAL') return action.contentMessage?.trim() || null;
  const text = callCaption?.trim();
  if (!text) return null;
  return cutAtWordBoundary(text, channel?.captionMaxChars ?? FIELD_LIMITS.captionMaxChars);
}

/**
 * At most `max` characters (Unicode code points, so no emoji is split), ending at the last
 * whitespace that fits; a single word longer than the limit is cut hard.
 */
export function cutAtWordBoundary(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max + 1);
  for (let i = max; i > 0; i--) {
    if (/\s/.test(head[i]!)) {
      const cut = head.slice(0, i).join('').trimEnd();
      if (cut) return cut;
    }
  }
  return chars.slice(0, max).join('');
}
