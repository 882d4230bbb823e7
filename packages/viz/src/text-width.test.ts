import { describe, expect, it } from 'vitest';
import { textWidth } from './text-width';

describe('textWidth', () => {
  it('counts terminal cells', () => {
    expect(textWidth('Paris')).toBe(5);
    expect(textWidth('日本語')).toBe(6);
    expect(textWidth('한국')).toBe(4);
    expect(textWidth('😀')).toBe(2);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('a\u200bb')).toBe(2);
    expect(textWidth('␣\\n')).toBe(3);
  });
});
