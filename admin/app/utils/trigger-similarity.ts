/**
 * How alike two trigger texts are, 0..1 (Sørensen–Dice over character bigrams of the
 * lower-cased words). The AI picks an action by its trigger, so two near-identical triggers
 * on one agent make it guess which file to send: the drawer warns from this score.
 */
export function triggerSimilarity(a: string, b: string): number {
  const left = bigrams(a);
  const right = bigrams(b);
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  let total = 0;
  for (const [gram, count] of left) {
    shared += Math.min(count, right.get(gram) ?? 0);
    total += count;
  }
  for (const count of right.values()) total += count;
  return (2 * shared) / total;
}

/** Above this, two triggers read as the same request to the AI. */
export const SIMILAR_TRIGGER_THRESHOLD = 0.85;

function bigrams(text: string): Map<string, number> {
  const normal = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  const grams = new Map<string, number>();
  for (let i = 0; i < normal.length - 1; i++) {
    const gram = normal.slice(i, i + 2);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}
