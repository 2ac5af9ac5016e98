import { describe, expect, it } from 'vitest';
import { SIMILAR_TRIGGER_THRESHOLD, triggerSimilarity } from '../../admin/app/utils/trigger-similarity.js';

describe('triggerSimilarity', () => {
  const base = 'When a customer asks for the price list or current prices.';

  it('scores identical triggers 1, whatever the case and punctuation', () => {
    expect(triggerSimilarity(base, base.toUpperCase().replace(/[.,]/g, ''))).toBe(1);
  });

  it('flags a trigger that differs by a word or two', () => {
    expect(triggerSimilarity(base, 'When a customer asks for the price list or the current prices!')).toBeGreaterThanOrEqual(
      SIMILAR_TRIGGER_THRESHOLD,
    );
  });

  it('does not flag triggers about different requests', () => {
    expect(triggerSimilarity(base, 'When a customer wants to see photos of the showroom.')).toBeLessThan(SIMILAR_TRIGGER_THRESHOLD);
  });

  it('scores an empty trigger 0', () => {
    expect(triggerSimilarity('', base)).toBe(0);
  });
});
