/**
 * Building DOM safely: every value goes in as text (`textContent`) or as an
 * attribute, never as HTML, because job arguments, results and errors come
 * from outside and may be hostile.
 */

type Child = Node | string | number | null | undefined | false;

/** Attributes of {@link h}: strings set as attributes, `on*` functions as listeners. */
export type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Makes an element with attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (strings as text). */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** The element with this id; throws when the page lacks it (a bug, not bad input). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** Sets an element's text (no-op when unchanged, so screen readers are not spammed). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Renders a table body from items, reusing each item's row (by key) so the
 * focus of a button inside it survives updates; rows are only moved when
 * their place changed. `render` fills a fresh row; `update` refreshes one.
 */
export function renderRows<T>(
  body: HTMLTableSectionElement,
  items: readonly T[],
  key: (item: T) => string,
  render: (item: T) => HTMLTableRowElement,
  update: (row: HTMLTableRowElement, item: T) => void,
  empty: string,
  columns: number,
): void {
  const existing = new Map<string, HTMLTableRowElement>();
  for (const row of Array.from(body.rows)) {
    const k = row.dataset.key;
    if (k !== undefined) existing.set(k, row);
    else row.remove();
  }
  if (items.length === 0) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: columns, class: 'empty' }, empty)));
    return;
  }
  let cursor: ChildNode | null = body.firstChild;
  for (const item of items) {
    const k = key(item);
    let row = existing.get(k);
    if (row) {
      existing.delete(k);
      update(row, item);
    } else {
      row = render(item);
      row.dataset.key = k;
    }
    if (row === cursor) cursor = cursor.nextSibling;
    else body.insertBefore(row, cursor);
  }
  for (const row of existing.values()) row.remove();
}

/** A table cell with a label for the narrow (card) layout. */
export function cell(label: string, ...children: Child[]): HTMLTableCellElement {
  return h('td', { 'data-label': label }, ...children);
}

/** A link to a job's page. */
export function jobLink(id: string): HTMLAnchorElement {
  return h('a', { href: `#/jobs/${encodeURIComponent(id)}`, class: 'job-id' }, id);
}

/**
 * Updates a row's first cells to `cells`, replacing only those whose text
 * changed, so a focused link in an unchanged cell keeps its focus. Cells
 * after them (an actions cell) are left alone.
 */
export function patchRow(row: HTMLTableRowElement, cells: HTMLTableCellElement[]): void {
  cells.forEach((fresh, i) => {
    const old = row.cells[i];
    if (!old) row.appendChild(fresh);
    else if (old.textContent !== fresh.textContent || old.className !== fresh.className) old.replaceWith(fresh);
  });
}

/** Shows a pause/resume toggle's state: its text, its accessible name (`what` names the thing, e.g. "queue emails") and `data-paused`. */
export function setPaused(button: HTMLButtonElement, what: string, paused: boolean): void {
  button.dataset.paused = String(paused);
  button.textContent = paused ? 'Resume' : 'Pause';
  button.setAttribute('aria-label', `${paused ? 'Resume' : 'Pause'} ${what}`);
}
