/**
 * Test fixture: just enough of the DOM for `attachVizBehaviour` in the node environment, built by
 * parsing the (well-formed) HTML the renderers write. Selectors: compounds of `tag`, `.class` and
 * `[attribute]`. Events reach the element's listeners, then its ancestors' when `bubbles`.
 */
const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescapeHtml = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
const VOID = new Set(['meta', 'br', 'input']);

export class FakeElement {
  readonly attributes = new Map<string, string>();
  readonly children: FakeElement[] = [];
  parent: FakeElement | null = null;
  text = '';
  readonly style: Record<string, string> = {};
  readonly listeners = new Map<string, ((event: unknown) => void)[]>();
  readonly classList = {
    toggle: (name: string, force: boolean) => {
      const classes = new Set((this.getAttribute('class') ?? '').split(' ').filter(Boolean));
      if (force) classes.add(name);
      else classes.delete(name);
      this.setAttribute('class', [...classes].join(' '));
    },
    contains: (name: string) => (this.getAttribute('class') ?? '').split(' ').includes(name),
  };
  value = '';
  offsetWidth = 100;
  offsetHeight = 20;

  constructor(
    readonly tagName: string,
    readonly ownerDocument: FakeDocument,
  ) {}

  get hidden(): boolean {
    return this.attributes.has('hidden');
  }
  set hidden(hidden: boolean) {
    if (hidden) this.attributes.set('hidden', '');
    else this.attributes.delete('hidden');
  }
  set className(name: string) {
    this.setAttribute('class', name);
  }
  set textContent(text: string | null) {
    this.text = text ?? '';
  }
  get textContent(): string {
    return this.text + this.children.map((child) => child.textContent).join('');
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }
  hasAttribute(name: string): boolean {
    return this.attributes.has(name);
  }
  appendChild(child: FakeElement): FakeElement {
    child.parent = this;
    this.children.push(child);
    return child;
  }
  remove(): void {
    this.parent?.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }
  contains(other: FakeElement): boolean {
    for (let node: FakeElement | null = other; node; node = node.parent) if (node === this) return true;
    return false;
  }
  matches(selector: string): boolean {
    const parts = selector.match(/^[a-z]+|\.[\w-]+|\[[\w-]+\]/g) ?? [];
    return parts.every((part) =>
      part.startsWith('.') ? this.classList.contains(part.slice(1)) : part.startsWith('[') ? this.hasAttribute(part.slice(1, -1)) : this.tagName === part,
    );
  }
  closest(selector: string): FakeElement | null {
    for (let node: FakeElement | null = this; node; node = node.parent) if (node.matches(selector)) return node;
    return null;
  }
  querySelectorAll(selector: string): FakeElement[] {
    return this.children.flatMap((child) => [...(child.matches(selector) ? [child] : []), ...child.querySelectorAll(selector)]);
  }
  querySelector(selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }
  getBoundingClientRect() {
    return { left: 10, top: 10, bottom: 30, right: 110 };
  }
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  removeEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, (this.listeners.get(type) ?? []).filter((other) => other !== listener));
  }
  dispatch(type: string, init: { bubbles?: boolean; key?: string } = {}): void {
    const event = { type, target: this, key: init.key, preventDefault: () => {} };
    for (let node: FakeElement | null = this; node; node = init.bubbles ? node.parent : null) {
      for (const listener of node.listeners.get(type) ?? []) listener(event);
    }
  }
  /** Number of listeners still attached in this subtree. */
  listenerCount(): number {
    return [...this.listeners.values()].reduce((sum, list) => sum + list.length, 0) + this.children.reduce((sum, child) => sum + child.listenerCount(), 0);
  }
}

export class FakeDocument {
  readonly defaultView = { innerWidth: 800, innerHeight: 600 };
  createElement(tagName: string): FakeElement {
    return new FakeElement(tagName, this);
  }
}

/** `html` parsed under a `<div>` root. */
export function parseFakeHtml(html: string): FakeElement {
  const page = new FakeDocument();
  const root = page.createElement('div');
  let current = root;
  for (const [token] of html.matchAll(/<!--[\s\S]*?-->|<[^>]+>|[^<]+/g)) {
    if (token.startsWith('</')) current = current.parent ?? root;
    else if (token.startsWith('<!')) continue;
    else if (token.startsWith('<')) {
      const tagName = token.match(/^<([a-z0-9]+)/)?.[1] ?? '';
      const element = current.appendChild(page.createElement(tagName));
      for (const [, name, value] of token.matchAll(/\s([a-z-]+)(?:="([^"]*)")?/g)) element.setAttribute(name, unescapeHtml(value ?? ''));
      const style = element.getAttribute('style')?.match(/^background-color: (.*)$/);
      if (style) element.style.backgroundColor = style[1];
      if (!VOID.has(tagName)) current = element;
    } else current.appendChild(Object.assign(page.createElement('#text'), { text: unescapeHtml(token) }));
  }
  for (const select of root.querySelectorAll('select')) {
    select.value = select.querySelectorAll('option').find((option) => option.hasAttribute('selected'))?.getAttribute('value') ?? '';
  }
  return root;
}
