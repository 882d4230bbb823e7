import type { FeatureAttributionOutput } from '@inseq/core';
import { buildHeatmapView, type HeatmapViewOptions } from '../build-heatmap-view';
import { decimalsFor, formatScore, formatStepScore } from '../format-score';
import type { HeatmapView } from '../heatmap-view';
import { outputViewOptions } from '../output-view-options';
import { POSITIVE_COLOR, type ScoreColor, scoreColor } from '../score-color';
import { textWidth } from '../text-width';
import { escapeXml } from './escape-xml';

/** Options of {@link renderSvg}. */
export interface SvgOptions {
  /** The document's `<title>` and heading. @defaultValue 'Inseq attributions' */
  title?: string;
  /** Decimals of each score. @defaultValue enough for 2 significant digits of each view's `maxAbs` */
  decimals?: number;
}

/** Options of {@link renderOutputSvg}: how views are built and how the SVG is drawn. */
export interface OutputSvgOptions extends HeatmapViewOptions, SvgOptions {}

/** Generic monospace families only: every viewer has one, and each character is 0.6 em wide (wide ones 1.2 em). */
export const SVG_FONT_FAMILY = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";
const FONT = 12;
const CHAR = FONT * 0.6;
const ROW = 22;
const PAD = 8;
const MARGIN = 16;

/** Drawn width of `text` in the monospace font, rounded to a whole pixel. */
function width(text: string, font = FONT): number {
  return Math.ceil(textWidth(text) * font * 0.6);
}

function fill(color: ScoreColor): string {
  // The HTML heatmap's rgba(…) as fill + fill-opacity: the same colour over the white background.
  return `fill="rgb(${color.red},${color.green},${color.blue})" fill-opacity="${Number(color.alpha.toFixed(3))}"`;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}"${attributes}>${escapeXml(content)}</text>`;
}

/** One view's drawing, its top-left corner at (0, 0): the SVG elements, its width and its height. */
function drawView(view: HeatmapView, heading: string | undefined, options?: SvgOptions): { parts: string[]; width: number; height: number } {
  const decimals = options?.decimals ?? decimalsFor(view.maxAbs);
  const cells = view.values.map((row) => row.map((value) => formatScore(value, decimals)));
  const steps = view.stepScores.map((row) => row.values.map((value) => formatStepScore(value, decimals)));
  const labelWidth = Math.max(0, ...view.rows.map((row) => width(row.label)), ...view.stepScores.map((row) => width(row.name))) + 2 * PAD;
  const cellWidth = Math.max(4 * CHAR, ...cells.flat().map((cell) => width(cell)), ...steps.flat().map((cell) => width(cell))) + PAD;
  const headerHeight = Math.max(FONT, ...view.columns.map((column) => width(column.label))) + 2 * PAD;
  const parts: string[] = [];
  let y = 0;
  if (heading !== undefined) {
    parts.push(text(0, FONT + 2, heading, ' font-weight="bold"'));
    y += FONT + 2 * PAD;
  }
  const left = labelWidth;
  // Column labels, read bottom to top, ending just above their column.
  view.columns.forEach((column, c) => {
    const x = Math.round(left + c * cellWidth + cellWidth / 2 + FONT / 3);
    parts.push(text(x, y + headerHeight - PAD, column.label, ` transform="rotate(-90 ${x} ${y + headerHeight - PAD})"`));
  });
  y += headerHeight;
  const tableTop = y;
  const gridRight = left + view.columns.length * cellWidth;
  view.rows.forEach((row, r) => {
    if (r > 0 && row.side !== view.rows[r - 1].side) {
      parts.push(`<line x1="0" y1="${y}" x2="${gridRight}" y2="${y}" stroke="#444"/>`);
    }
    parts.push(text(left - PAD, y + ROW / 2 + FONT / 3, row.label, ' text-anchor="end"'));
    view.values[r].forEach((value, c) => {
      const x = left + c * cellWidth;
      const color = scoreColor(value, view.maxAbs);
      if (color === null) {
        parts.push(`<rect x="${x}" y="${y}" width="${cellWidth}" height="${ROW}" fill="#f3f3f3"/>`);
        return;
      }
      parts.push(`<rect x="${x}" y="${y}" width="${cellWidth}" height="${ROW}" ${fill(color)}/>`);
      parts.push(text(x + cellWidth / 2, y + ROW / 2 + FONT / 3, cells[r][c], ' text-anchor="middle"'));
    });
    y += ROW;
  });
  parts.push(`<rect x="${left}" y="${tableTop}" width="${gridRight - left}" height="${y - tableTop}" fill="none" stroke="#888"/>`);
  if (view.stepScores.length > 0) {
    parts.push(`<line x1="0" y1="${y}" x2="${gridRight}" y2="${y}" stroke="#444"/>`);
    view.stepScores.forEach((row, i) => {
      parts.push(text(left - PAD, y + ROW / 2 + FONT / 3, row.name, ' text-anchor="end" font-style="italic"'));
      steps[i].forEach((cell, c) => {
        parts.push(text(left + c * cellWidth + cellWidth / 2, y + ROW / 2 + FONT / 3, cell, ' text-anchor="middle"'));
      });
      y += ROW;
    });
  }
  // Legend: swatches of the colour scale from its lower bound to maxAbs, the bounds written either side.
  y += PAD;
  const min = view.signed ? -view.maxAbs : 0;
  const minText = formatStepScore(min, decimals);
  const maxText = formatStepScore(view.maxAbs, decimals);
  const swatches = view.signed ? 11 : 6;
  const swatch = 14;
  let x = left;
  parts.push(text(x, y + swatch - 3, minText, ' font-size="10"'));
  x += width(minText, 10) + 4;
  for (let i = 0; i < swatches; i++) {
    const value = min + ((view.maxAbs - min) * i) / (swatches - 1);
    const color = scoreColor(value, view.maxAbs) ?? { ...POSITIVE_COLOR, alpha: 0 };
    parts.push(`<rect x="${x + i * swatch}" y="${y}" width="${swatch}" height="${swatch}" ${fill(color)}/>`);
  }
  x += swatches * swatch;
  parts.push(`<rect x="${x - swatches * swatch}" y="${y}" width="${swatches * swatch}" height="${swatch}" fill="none" stroke="#888"/>`);
  parts.push(text(x + 4, y + swatch - 3, maxText, ' font-size="10"'));
  const legendRight = x + 4 + width(maxText, 10);
  y += swatch + PAD;
  const caption = `x: generated tokens, y: attributed tokens${view.signed ? '; blue: negative, red: positive' : '; red: positive'}${view.aggregated ? `; extra axes aggregated (${view.aggregateFn ?? 'vnorm'}) and normalised per step` : ''}`;
  parts.push(text(0, y + 10, caption, ' font-size="10" fill="#555"'));
  y += 10 + PAD;
  const drawnWidth = Math.max(gridRight, legendRight, width(caption, 10), heading === undefined ? 0 : width(heading));
  return { parts, width: drawnWidth, height: y };
}

/**
 * A standalone SVG document of heatmaps, for papers: each view (sequence) stacked under the
 * previous one (`Sequence i of n` above each when there are several), with its generated tokens
 * as columns (labels rotated), attributed tokens as rows, cells coloured as the HTML heatmap
 * (`scoreColor`: red positive, blue negative, opacity |score| / `maxAbs`, over white; NaN cells
 * grey and empty), step scores as rows under a rule, and a legend of the scale. It holds no
 * script, no link, no id and no date: the same views give byte-identical output. Text uses
 * generic monospace families ({@link SVG_FONT_FAMILY}); tokens are escaped ({@link escapeXml}).
 */
export function renderSvg(views: HeatmapView | readonly HeatmapView[], options?: SvgOptions): string {
  const list: readonly HeatmapView[] = Array.isArray(views) ? views : [views as HeatmapView];
  const title = options?.title ?? 'Inseq attributions';
  const body: string[] = [text(0, 16, title, ' font-size="16" font-weight="bold"')];
  let y = 16 + 2 * PAD;
  let totalWidth = width(title, 16);
  list.forEach((view, i) => {
    const drawn = drawView(view, list.length > 1 ? `Sequence ${i + 1} of ${list.length}` : undefined, options);
    body.push(`<g transform="translate(0 ${y})">`, ...drawn.parts, '</g>');
    y += drawn.height + 2 * PAD;
    totalWidth = Math.max(totalWidth, drawn.width);
  });
  const w = totalWidth + 2 * MARGIN;
  const h = y + 2 * MARGIN - 2 * PAD;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${escapeXml(SVG_FONT_FAMILY)}" font-size="${FONT}" xml:space="preserve">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#fff"/>`,
    `<g transform="translate(${MARGIN} ${MARGIN})" fill="#000">`,
    ...body,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

/** {@link renderSvg} of every sequence of `output`, stacked in one document. */
export function renderOutputSvg(output: FeatureAttributionOutput, options?: OutputSvgOptions): string {
  const viewOptions = outputViewOptions(output, options);
  return renderSvg(
    output.sequence_attributions.map((sequence) => buildHeatmapView(sequence, viewOptions)),
    options,
  );
}
