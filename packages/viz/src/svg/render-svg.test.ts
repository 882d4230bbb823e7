import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from '../build-heatmap-view';
import { gradientSequence, signedSequence } from '../heatmap-sequences.fixture';
import { escapeXml } from './escape-xml';
import { renderSvg } from './render-svg';

interface Element {
  name: string;
  attributes: Record<string, string>;
  text: string;
}

/** Parses `svg` with a conforming XML 1.0 parser (saxes: well-formedness and character checks); throws on the first error. */
function parseXml(svg: string): Element[] {
  const parser = new SaxesParser({ xmlns: true });
  const elements: Element[] = [];
  const open: Element[] = [];
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => {
    const element = { name: tag.local, attributes: Object.fromEntries(Object.entries(tag.attributes).map(([key, a]) => [key, (a as { value: string }).value])), text: '' };
    elements.push(element);
    open.push(element);
  });
  parser.on('text', (text) => {
    if (open.length > 0) open[open.length - 1].text += text;
  });
  parser.on('closetag', () => {
    open.pop();
  });
  parser.write(svg).close();
  return elements;
}

const HOSTILE = ['<script>alert(1)</script>', '"quoted" & \'single\'', 'a\u0000b\u001b[2Jc', ']]>', '\ud800lone', '&amp;', 'tab\there'];

describe('renderSvg', () => {
  it('is well-formed SVG with cells coloured as the HTML heatmap, NaN cells grey and step score rows', () => {
    const view = buildHeatmapView(signedSequence());
    const svg = renderSvg(view, { title: 'signed' });
    const elements = parseXml(svg);
    expect(elements[0].name).toBe('svg');
    expect(elements[0].attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(elements.some((element) => element.name === 'script')).toBe(false);
    // maxAbs 0.5: 0.5 → red at full opacity, -0.25 → blue at half, -0.5 → blue full, 0.1 → red 0.2.
    const filled = elements.filter((element) => element.name === 'rect' && element.attributes['fill-opacity'] !== undefined);
    const cell = (text: string) => {
      const texts = elements.filter((element) => element.name === 'text' && element.text === text);
      return texts.length;
    };
    const colours = filled.map((rect) => `${rect.attributes.fill}@${rect.attributes['fill-opacity']}`);
    expect(colours).toContain('rgb(255,13,87)@1');
    expect(colours).toContain('rgb(30,136,229)@0.5');
    expect(colours).toContain('rgb(30,136,229)@1');
    expect(colours).toContain('rgb(255,13,87)@0.2');
    expect(cell('-0.25')).toBe(1);
    expect(cell('0.50')).toBeGreaterThanOrEqual(1);
    // 2 source + 3 attributed target rows × 3 steps: 15 cells, 3 of them NaN (target tokens not yet generated).
    const grey = elements.filter((element) => element.name === 'rect' && element.attributes.fill === '#f3f3f3');
    expect(grey).toHaveLength(3);
    expect(filled.length - 11).toBe(12); // minus the 11 legend swatches of a signed scale
  });

  it('draws step scores as rows under the heatmap', () => {
    const sequence = gradientSequence();
    const svg = renderSvg(buildHeatmapView(sequence));
    const texts = parseXml(svg).filter((element) => element.name === 'text').map((element) => element.text);
    expect(texts).toContain('probability');
    expect(texts).toEqual(expect.arrayContaining(['0.50', '0.25', '0.13']));
  });

  it('escapes hostile tokens so that the file stays well-formed and shows them as text', () => {
    const view = buildHeatmapView(signedSequence({ source: HOSTILE.slice(0, 2), target: ['<pad>', ...HOSTILE.slice(2, 5)] }));
    const svg = renderSvg(view, { title: HOSTILE.join(' ') });
    expect(svg).not.toContain('<script');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no raw control character may reach the file.
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const elements = parseXml(svg);
    expect(elements.some((element) => element.name === 'script')).toBe(false);
    const texts = elements.filter((element) => element.name === 'text').map((element) => element.text);
    const title = elements.find((element) => element.name === 'title')!.text;
    expect(title).toContain('<script>alert(1)</script>');
    expect(title).toContain('"quoted" & \'single\'');
    expect(title).toContain('a\\x00b\\x1b[2Jc');
    expect(title).toContain('\\ud800lone');
    expect(title).toContain('tab\\there');
    expect(texts.join('|')).toContain('<script>');
  });

  it('is deterministic: the same views give byte-identical output, stacked one sequence under the other', () => {
    const views = [buildHeatmapView(gradientSequence()), buildHeatmapView(signedSequence())];
    const first = renderSvg(views, { title: 'two' });
    expect(renderSvg([buildHeatmapView(gradientSequence()), buildHeatmapView(signedSequence())], { title: 'two' })).toBe(first);
    expect(first).not.toMatch(/\bid=|<script|href|20\d\d-\d\d/);
    const groups = parseXml(first).filter((element) => element.name === 'g' && /^translate\(0 /.test(element.attributes.transform ?? ''));
    const offsets = groups.map((group) => Number(/translate\(0 (\d+)\)/.exec(group.attributes.transform)![1]));
    expect(offsets).toHaveLength(2);
    expect(offsets[1]).toBeGreaterThan(offsets[0]);
    expect(first).toContain('Sequence 2 of 2');
  });

  it('matches its snapshot', async () => {
    await expect(renderSvg([buildHeatmapView(gradientSequence()), buildHeatmapView(signedSequence())], { title: 'snapshot' })).toMatchFileSnapshot(
      './__snapshots__/two-sequences.svg',
    );
  });
});

describe('escapeXml', () => {
  it('escapes markup characters and makes controls visible', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(escapeXml('\u001b[31m\u0085\n')).toBe('\\x1b[31m\\x85\\n');
    expect(escapeXml('日本😀')).toBe('日本😀');
  });
});
