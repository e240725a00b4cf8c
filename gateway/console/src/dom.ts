/** Small DOM helpers for the console: no framework, just elements. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the console page has no #${id}`);
  return element as T;
}

type Child = Node | string | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; title?: string; text?: string } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.title) element.title = props.title;
  if (props.text !== undefined) element.textContent = props.text;
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/** Restarts the row's highlight animation. */
export function flash(row: HTMLElement): void {
  row.classList.remove('flash');
  void row.offsetWidth;
  row.classList.add('flash');
}
