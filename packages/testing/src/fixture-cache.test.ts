import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { cachedFixture, clearFixtureCache, fixtureKey } from './fixture-cache';

describe('cachedFixture', () => {
  it('builds once per options and hands out copies that callers may change', () => {
    clearFixtureCache();
    let builds = 0;
    const build = () => {
      builds += 1;
      return { bytes: Uint8Array.of(1, 2, 3), nested: { list: [1, 2] } };
    };
    const a = cachedFixture('probe', { n: 1 }, build);
    a.bytes[0] = 99;
    a.nested.list.push(3);
    const b = cachedFixture('probe', { n: 1 }, build);
    expect(builds).toBe(1);
    expect(b).toEqual({ bytes: Uint8Array.of(1, 2, 3), nested: { list: [1, 2] } });
    expect(b.bytes).not.toBe(a.bytes);
    cachedFixture('probe', { n: 2 }, build);
    cachedFixture('other', { n: 1 }, build);
    expect(builds).toBe(3);
    clearFixtureCache();
    cachedFixture('probe', { n: 1 }, build);
    expect(builds).toBe(4);
  });

  it('never caches a failed build or options that are not plain data', () => {
    clearFixtureCache();
    let builds = 0;
    expect(() =>
      cachedFixture('failing', {}, () => {
        builds += 1;
        throw new Error('bad options');
      }),
    ).toThrow('bad options');
    const count = () => {
      builds += 1;
      return builds;
    };
    expect(cachedFixture('failing', {}, count)).toBe(2);
    const withFunction = { make: () => 1 };
    cachedFixture('fn', withFunction, count);
    cachedFixture('fn', withFunction, count);
    expect(builds).toBe(4);
  });

  it('does not keep results over 64 MiB of arrays (real-shape folders): they are built on every call and returned as built', () => {
    clearFixtureCache();
    let builds = 0;
    const build = () => {
      builds += 1;
      return { files: { 'model.safetensors': new Uint8Array(64 * 1024 * 1024 + 1) } };
    };
    const first = cachedFixture('large', {}, build);
    const second = cachedFixture('large', {}, build);
    expect(builds).toBe(2);
    expect(second.files['model.safetensors']).not.toBe(first.files['model.safetensors']);
  });

  it('keys plain data canonically: key order does not matter, undefined / -0 / NaN / strings stay apart', () => {
    expect(fixtureKey({ a: 1, b: 'x' })).toBe(fixtureKey({ b: 'x', a: 1 }));
    const distinct = [undefined, null, 0, -0, Number.NaN, '0', 'u', {}, { a: undefined }, [], [undefined], true, 'true'].map(fixtureKey);
    expect(new Set(distinct).size).toBe(distinct.length);
    for (const value of [Uint8Array.of(1), new Map(), () => 1, Symbol('s'), 1n, [() => 1], { deep: { f: () => 1 } }]) expect(fixtureKey(value)).toBeUndefined();
  });

  it('gives the generators the same bytes cached as built afresh', () => {
    clearFixtureCache();
    const fresh = createTinyGpt2({ seed: 7 });
    const cached = createTinyGpt2({ seed: 7 });
    clearFixtureCache();
    for (const [name, bytes] of Object.entries(fresh.files)) expect(Buffer.from(cached.files[name]).equals(Buffer.from(bytes))).toBe(true);
  });
});
