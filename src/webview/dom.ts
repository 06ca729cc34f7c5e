/**
 * A tiny element builder for the panel's views. Attributes only (never `style`: the CSP allows no
 * inline styles; layout lives in media/panel.css), children as nodes or text (never HTML strings,
 * so paths and messages from files can't inject markup).
 */

export type Child = Node | string | number | null | undefined | false;
export type Attributes = Record<string, string | number | boolean | null | undefined>;

function append(parent: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

function setAttributes(element: Element, attributes: Attributes | undefined): void {
  if (!attributes) return;
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'style') throw new Error('inline styles are blocked by the panel CSP; use a class');
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Attributes, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attributes?: Attributes, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** Re-renders a section only when the values it depends on changed (compared by identity). */
export function memo<Deps extends readonly unknown[]>(render: (...deps: Deps) => void): (...deps: Deps) => void {
  let previous: Deps | undefined;
  return (...deps: Deps) => {
    if (previous && previous.length === deps.length && previous.every((value, i) => Object.is(value, deps[i]))) return;
    previous = deps;
    render(...deps);
  };
}
