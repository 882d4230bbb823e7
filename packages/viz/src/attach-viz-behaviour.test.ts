import { describe, expect, it } from 'vitest';
import { attachVizBehaviour } from './attach-viz-behaviour';
import { cssColor } from './css-color';
import { type FakeElement, parseFakeHtml } from './fake-dom.fixture';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderSequenceHtml } from './render-sequence-html';
import { NEGATIVE_COLOR, POSITIVE_COLOR } from './score-color';
import { vizScript } from './viz-script';

function attach(html: string): { root: FakeElement; detach: () => void } {
  const root = parseFakeHtml(html);
  return { root, detach: attachVizBehaviour(root as unknown as Element) };
}

const backgrounds = (elements: FakeElement[]) => elements.map((element) => element.style.backgroundColor ?? '');

describe('attachVizBehaviour', () => {
  it('colours the context by the hovered step, pins on click and unpins on a second click', () => {
    const { root } = attach(renderSequenceHtml(signedSequence()));
    const generated = root.querySelectorAll('[data-step]');
    const context = root.querySelectorAll('[data-context]');
    expect(backgrounds(context)).toEqual(['', '', '', '', '']);

    generated[1].dispatch('pointerenter');
    // step 1 of the fixture: source -0.25, 0.25; target 0.5, 0, NaN; the scale is 0.5
    expect(backgrounds(context)).toEqual(['rgba(30, 136, 229, 0.5)', 'rgba(255, 13, 87, 0.5)', 'rgba(255, 13, 87, 1)', 'rgba(255, 13, 87, 0)', '']);
    expect(context[0].getAttribute('data-tip')).toBe('-0.25\n Hello (source 0) → \\n (target 2)');
    expect(context[4].getAttribute('data-tip')).toBe('not attributable at this step\n\\n (target 2) → \\n (target 2)');
    expect(context[4].classList.contains('unattributed')).toBe(true);
    generated[1].dispatch('pointerleave');
    expect(backgrounds(context)).toEqual(['', '', '', '', '']);
    expect(context[0].getAttribute('data-tip')).toBe('▁Hello (id 0, source position 0)');

    generated[0].dispatch('click');
    generated[2].dispatch('pointerenter');
    expect(backgrounds(context).slice(0, 2)).toEqual(['rgba(255, 13, 87, 1)', 'rgba(30, 136, 229, 1)']);
    expect(generated[0].getAttribute('aria-pressed')).toBe('true');
    generated[0].dispatch('keydown', { key: 'Enter' });
    expect(generated[0].getAttribute('aria-pressed')).toBe('false');
    generated[0].dispatch('pointerleave');
    expect(backgrounds(context)).toEqual(['', '', '', '', '']);
  });

  it('recolours the generated tokens and swaps the legend when another step score is chosen', () => {
    const { root } = attach(renderSequenceHtml(gradientSequence()));
    const generated = root.querySelectorAll('[data-step]');
    expect(backgrounds(generated)).toEqual(['rgba(255, 13, 87, 0.5)', 'rgba(255, 13, 87, 0.25)', 'rgba(255, 13, 87, 0.125)']);
    const select = root.querySelector('select') as FakeElement;
    select.value = 'logit';
    select.dispatch('change');
    expect(backgrounds(generated)).toEqual(['rgba(255, 13, 87, 0.333)', 'rgba(255, 13, 87, 0.667)', 'rgba(255, 13, 87, 1)']);
    const legends = root.querySelectorAll('[data-step-score-legend]');
    expect(legends.map((legend) => legend.hidden)).toEqual([true, false]);
  });

  it('shows data-tip in one styled tooltip instead of titles, and detaches cleanly', () => {
    const { root, detach } = attach(renderSequenceHtml(gradientSequence()));
    expect(root.querySelectorAll('[data-tip][title]')).toEqual([]);
    const tooltip = root.querySelector('.inseq-tooltip') as FakeElement;
    expect(tooltip.hidden).toBe(true);
    const cell = root.querySelectorAll('td')[0];
    cell.dispatch('pointerover', { bubbles: true });
    expect(tooltip.hidden).toBe(false);
    expect(tooltip.textContent).toBe('0.2941177\nThe (target 0) →  France (target 3)');
    cell.dispatch('pointerout', { bubbles: true });
    expect(tooltip.hidden).toBe(true);

    detach();
    expect(root.querySelector('.inseq-tooltip')).toBeNull();
    expect(root.listenerCount()).toBe(0);
    expect(cell.getAttribute('title')).toBe('0.2941177');
  });
});

describe('vizScript', () => {
  it('is attachVizBehaviour on its own, applied to document.body, and uses the colours of scoreColor', () => {
    expect(vizScript).toMatch(/^\(function attachVizBehaviour\(root\) \{[\s\S]*\}\)\(document\.body\);$/);
    expect(() => new Function(vizScript)).not.toThrow();
    expect(vizScript).not.toMatch(/<\/script|__\w+\(|require\(|import\b/i);
    const rgb = (color: typeof POSITIVE_COLOR) => cssColor(color).replace(/^rgba\((.*), 1\)$/, '$1');
    expect(vizScript).toMatch(new RegExp(`const positive = ["']${rgb(POSITIVE_COLOR)}["']`));
    expect(vizScript).toMatch(new RegExp(`const negative = ["']${rgb(NEGATIVE_COLOR)}["']`));
  });

  it('runs in a page: attaches to document.body', () => {
    const body = parseFakeHtml(renderSequenceHtml(gradientSequence()));
    new Function('document', vizScript)({ body });
    expect(body.querySelector('.inseq-tooltip')).not.toBeNull();
  });
});
