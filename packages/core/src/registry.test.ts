import { describe, expect, it } from 'vitest';
import { InseqError } from './errors/inseq-error';
import { UnknownIdError } from './errors/unknown-id-error';
import { createRegistry, readonlyRegistry } from './registry';

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
  it('readonlyRegistry passes lookups through and refuses register with the hint', () => {
    const inner = createRegistry<{ name: string }>('widget').register({ name: 'x' });
    const view = readonlyRegistry(inner, 'Make your own.');
    expect(view.kind).toBe('widget');
    expect(view.list()).toEqual(['x']);
    expect(view.has('x') && view.get('x').name).toBe('x');
    let error: unknown;
    try {
      view.register({ name: 'y' });
    } catch (caught) {
      error = caught;
    }
    expect(InseqError.isInstance(error) && (error as InseqError).code).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toBe("This widget registry is read-only; cannot register 'y'. Make your own.");
    expect(inner.list()).toEqual(['x']);
  });
});
