import { escapeHtml } from '@inseq/viz';
import type { AttributeContextOutput } from './attribute-context-types';

const BOLD_RED = '\u001b[1;31m';
const BOLD_GREEN = '\u001b[1;32m';
const RESET = '\u001b[0m';

/** Tokens shown as text: BPE space markers (Ġ, ▁) as spaces, control characters escaped. */
function shown(token: string): string {
  let out = '';
  for (const c of token.replace(/^[Ġ▁]/u, ' ')) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

function mark(tokens: readonly string[], picked: ReadonlySet<number>, open: string, close: string, colour: string | undefined): string {
  return tokens
    .map((t, i) => {
      const text = shown(t);
      if (!picked.has(i)) return text;
      const lead = text.startsWith(' ') ? ' ' : '';
      const body = `${open}${text.trimStart()}${close}`;
      return lead + (colour ? `${colour}${body}${RESET}` : body);
    })
    .join('');
}

/**
 * The terminal view: for each context-sensitive token, the input and output context with the
 * selected cues in [brackets] and the output with the sensitive token in {braces}; coloured
 * (ANSI) only when `colour` is true.
 */
export function renderContextTerminal(output: AttributeContextOutput, colour = false): string {
  const lines: string[] = [];
  const all = new Set(output.cti_selected);
  lines.push(`Context-sensitive tokens (${output.cti_selected.length} of ${output.output_current_tokens.length}):`);
  lines.push(`  output: ${mark(output.output_current_tokens, all, '{', '}', colour ? BOLD_RED : undefined)}`);
  lines.push(`  CTI scores: ${output.output_current_tokens.map((t, i) => `${shown(t).trim()}=${output.cti_scores[i].toFixed(4)}`).join(' ')}`);
  for (const cci of output.cci_scores) {
    lines.push('');
    lines.push(`Token {${shown(cci.cti_token).trim()}} (CTI ${cci.cti_score.toFixed(4)}; without context: ${shown(cci.contrast_token).trim()}):`);
    if (output.input_context_tokens) {
      lines.push(`  input context: ${mark(output.input_context_tokens, new Set(cci.input_context_cues), '[', ']', colour ? BOLD_GREEN : undefined)}`);
    }
    if (output.output_context_tokens) {
      lines.push(`  output context: ${mark(output.output_context_tokens, new Set(cci.output_context_cues), '[', ']', colour ? BOLD_GREEN : undefined)}`);
    }
    lines.push(`  output: ${mark(output.output_current_tokens, new Set([cci.cti_idx]), '{', '}', colour ? BOLD_RED : undefined)}`);
  }
  if (output.cci_scores.length === 0) lines.push('  (no token passed the context sensitivity threshold)');
  return `${lines.join('\n')}\n`;
}

function scoreSpans(tokens: readonly string[], scores: readonly number[] | null, picked: ReadonlySet<number>, kind: string): string {
  const max = Math.max(1e-12, ...(scores ?? []).map((v) => Math.abs(v)).filter(Number.isFinite));
  return tokens
    .map((t, i) => {
      const score = scores?.[i];
      const alpha = score === undefined || !Number.isFinite(score) ? 0 : Math.min(1, Math.abs(score) / max);
      const cls = picked.has(i) ? ` class="${kind}"` : '';
      const title = score === undefined ? '' : ` title="${escapeHtml(String(score))}"`;
      return `<span${cls}${title} style="background:rgba(255,13,87,${alpha.toFixed(3)})">${escapeHtml(shown(t))}</span>`;
    })
    .join('');
}

/** A standalone HTML page of the PECoRe result; every token string is escaped as text. */
export function renderContextHtml(output: AttributeContextOutput): string {
  const parts: string[] = [];
  parts.push('<section class="cti"><h2>Context-sensitive tokens (CTI)</h2>');
  parts.push(`<p class="tokens">${scoreSpans(output.output_current_tokens, output.cti_scores, new Set(output.cti_selected), 'sensitive')}</p></section>`);
  for (const cci of output.cci_scores) {
    parts.push(`<section class="cci"><h3>Cues of <code>${escapeHtml(shown(cci.cti_token))}</code> (CTI ${escapeHtml(cci.cti_score.toFixed(4))})</h3>`);
    if (output.input_context_tokens) {
      parts.push(`<p class="tokens">Input context: ${scoreSpans(output.input_context_tokens, cci.input_context_scores, new Set(cci.input_context_cues), 'cue')}</p>`);
    }
    if (output.output_context_tokens) {
      parts.push(`<p class="tokens">Output context: ${scoreSpans(output.output_context_tokens, cci.output_context_scores, new Set(cci.output_context_cues), 'cue')}</p>`);
    }
    parts.push(`<p class="tokens">Output: ${scoreSpans(output.output_current_tokens, null, new Set([cci.cti_idx]), 'sensitive')}</p></section>`);
  }
  const style = '.sensitive{outline:2px solid #d00}.cue{outline:2px solid #080}.tokens span{white-space:pre;font-family:monospace}';
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>PECoRe</title><style>${style}</style></head><body>\n${parts.join('\n')}\n</body></html>\n`;
}
