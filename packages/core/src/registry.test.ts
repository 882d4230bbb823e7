import { describe, expect, it } from 'vitest';
import { InseqError } from './errors/inseq-error';
import { UnknownIdError } from './errors/unknown-id-error';
import { createRegistry } from './registry';

describe('createRegistry', () => {
  it('registers, lists in order, and gets by name', () => {
    const registry = createRegistry<{ name: string; value: number }>('widget');
    registry.register({ name: 'b', value: 1 }).register({ name: 'a', value: 2 });
    expect(registry.list()).toEqual(['b', 'a']);
    expect(registry.get('a').value).toBe(2);
    expect(registry.has('c')).toBe(false);
  });
  it('throws on duplicates unless override is set', () => {
    const registry = createRegistry<{ name: string; value: number }>('widget').register({ name: 'a', value: 1 });
    expect(() => registry.register({ name: 'a', value: 2 })).toThrow(/already registered.*override/);
    registry.register({ name: 'a', value: 3 }, { override: true });
    expect(registry.get('a').value).toBe(3);
  });
  it('lists the known names for an unknown id', () => {
    const registry = createRegistry<{ name: string }>('widget').register({ name: 'x' }).register({ name: 'y' });
    try {
      registry.get('z');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownIdError);
      expect(InseqError.isInstance(error)).toBe(true);
      expect((error as Error).message).toBe("Unknown widget 'z'. Known widgets: x, y.");
    }
  });
});
