const integer = new Intl.NumberFormat('en');

/**
 * Characters as the server counts them for its length limits: code points, so an emoji is one
 * (not two UTF-16 units, as `String.length` and `maxlength` count).
 */
export function countChars(text: string): number {
  return Array.from(text).length;
}

/** "12 / 100", or "1,100 / 1,024 · 76 over the limit": shown beside a field, never cut to fit. */
export function charCountText(text: string, max: number): string {
  const count = countChars(text);
  const base = `${integer.format(count)} / ${integer.format(max)}`;
  return count > max ? `${base} · ${integer.format(count - max)} over the limit` : base;
}
