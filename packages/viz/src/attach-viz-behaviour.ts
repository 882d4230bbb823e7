/**
 * Makes the heatmaps and token views inside `root` interactive, for a page that inserted the
 * fragments of `renderSequenceHtml` (no inline script needed, so it suits a strict CSP):
 * - a styled tooltip (a `.inseq-tooltip` element appended to `root`) shows every `data-tip` on
 *   hover and keyboard focus, replacing the native `title` tooltips;
 * - in each token view, hovering or focusing a generated token colours the context tokens by
 *   that step's attributions (values in their tooltips); clicking or Enter pins the selection,
 *   clicking the pinned token again unpins it; the step-score `<select>` recolours the generated
 *   tokens and shows that score's legend.
 *
 * @returns A function that removes the listeners, the tooltip and the colours it added.
 */
export function attachVizBehaviour(root: Element): () => void {
  // This function's source is also `vizScript`, run on its own in a page: it must not refer to
  // anything outside itself. The colours are `POSITIVE_COLOR` and `NEGATIVE_COLOR` of score-color.ts.
  const positive = '255, 13, 87';
  const negative = '30, 136, 229';
  const colorOf = (value: number | null | undefined, maxAbs: number): string => {
    if (value === null || value === undefined) return '';
    const alpha = maxAbs > 0 ? Math.min(1, Math.abs(value) / maxAbs) : 0;
    return `rgba(${value < 0 ? negative : positive}, ${Number(alpha.toFixed(3))})`;
  };
  const shown = (value: number): string => String(Number(value.toPrecision(7)));
  const page = root.ownerDocument;
  const cleanups: (() => void)[] = [];
  const listen = (target: EventTarget, type: string, handler: (event: Event) => void): void => {
    target.addEventListener(type, handler);
    cleanups.push(() => target.removeEventListener(type, handler));
  };

  const tooltip = page.createElement('div');
  tooltip.className = 'inseq-tooltip';
  tooltip.setAttribute('role', 'tooltip');
  tooltip.hidden = true;
  root.appendChild(tooltip);
  cleanups.push(() => tooltip.remove());
  for (const element of Array.from(root.querySelectorAll('[data-tip][title]'))) {
    const title = element.getAttribute('title') ?? '';
    element.removeAttribute('title');
    cleanups.push(() => element.setAttribute('title', title));
  }
  const showTip = (event: Event): void => {
    const origin = event.target as Element | null;
    const target = origin !== null && typeof origin.closest === 'function' ? origin.closest('[data-tip]') : null;
    if (target === null || !root.contains(target)) {
      tooltip.hidden = true;
      return;
    }
    tooltip.textContent = target.getAttribute('data-tip');
    tooltip.hidden = false;
    const box = target.getBoundingClientRect();
    const width = page.defaultView?.innerWidth ?? 0;
    const height = page.defaultView?.innerHeight ?? 0;
    const below = box.bottom + 6 + tooltip.offsetHeight <= height || box.top < tooltip.offsetHeight + 6;
    tooltip.style.left = `${Math.max(4, Math.min(box.left, width - tooltip.offsetWidth - 4))}px`;
    tooltip.style.top = `${below ? box.bottom + 6 : box.top - tooltip.offsetHeight - 6}px`;
  };
  const hideTip = (): void => {
    tooltip.hidden = true;
  };
  listen(root, 'pointerover', showTip);
  listen(root, 'focusin', showTip);
  listen(root, 'pointerout', hideTip);
  listen(root, 'focusout', hideTip);

  for (const view of Array.from(root.querySelectorAll('.token-view'))) {
    const maxAbs = Number(view.getAttribute('data-max-abs'));
    const scores = JSON.parse(view.getAttribute('data-step-scores') ?? '{}') as Record<string, { maxAbs: number; values: (number | null)[] }>;
    const context = Array.from(view.querySelectorAll<HTMLElement>('[data-context]'));
    const generated = Array.from(view.querySelectorAll<HTMLElement>('[data-step]'));
    const contextTips = context.map((element) => element.getAttribute('data-tip') ?? '');
    const generatedColors = generated.map((element) => element.style.backgroundColor);
    let pinned: HTMLElement | null = null;

    const select = (token: HTMLElement | null): void => {
      const values = token === null ? null : (JSON.parse(token.getAttribute('data-attributions') ?? '[]') as (number | null)[]);
      for (const other of generated) {
        other.classList.toggle('selected', other === token);
        other.setAttribute('aria-pressed', String(other === pinned));
      }
      context.forEach((element, index) => {
        const value = values === null ? null : (values[index] ?? null);
        element.style.backgroundColor = colorOf(value, maxAbs);
        element.classList.toggle('unattributed', values !== null && value === null);
        const where = `${element.getAttribute('data-label')} → ${token?.getAttribute('data-label')}`;
        const tip = values === null ? contextTips[index] : value === null ? `not attributable at this step\n${where}` : `${shown(value)}\n${where}`;
        element.setAttribute('data-tip', tip);
      });
    };
    const toggle = (token: HTMLElement): void => {
      pinned = pinned === token ? null : token;
      select(pinned ?? token);
    };
    for (const token of generated) {
      const preview = (): void => {
        if (pinned === null) select(token);
      };
      const leave = (): void => {
        if (pinned === null) select(null);
      };
      listen(token, 'pointerenter', preview);
      listen(token, 'focus', preview);
      listen(token, 'pointerleave', leave);
      listen(token, 'blur', leave);
      listen(token, 'click', () => toggle(token));
      listen(token, 'keydown', (event) => {
        const key = (event as KeyboardEvent).key;
        if (key !== 'Enter' && key !== ' ') return;
        event.preventDefault();
        toggle(token);
      });
    }

    const chooser = view.querySelector<HTMLSelectElement>('select.step-score-select');
    if (chooser !== null) {
      listen(chooser, 'change', () => {
        const score = scores[chooser.value];
        generated.forEach((element, step) => {
          element.style.backgroundColor = score === undefined ? '' : colorOf(score.values[step], score.maxAbs);
        });
        for (const legend of Array.from(view.querySelectorAll<HTMLElement>('[data-step-score-legend]'))) {
          legend.hidden = legend.getAttribute('data-step-score-legend') !== chooser.value;
        }
      });
    }
    cleanups.push(() => {
      pinned = null;
      select(null);
      generated.forEach((element, step) => {
        element.style.backgroundColor = generatedColors[step];
      });
    });
  }

  return () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  };
}
