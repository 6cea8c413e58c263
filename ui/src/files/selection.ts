// Which files are selected in the table, and how a click changes that (seed 002: click, Ctrl/Cmd-click, Shift-click).
// Pure functions over the ids in display order, so the rule is tested without a browser.

export interface Selection {
  readonly ids: ReadonlySet<number>;
  /** The row a Shift-click range starts from: the last row clicked without Shift. */
  readonly anchor: number | null;
}

export interface ClickKeys {
  /** Ctrl (or Cmd on a Mac): add or remove one row. */
  readonly toggle: boolean;
  /** Shift: select from the anchor to this row. */
  readonly range: boolean;
}

export const NOTHING: Selection = { ids: new Set(), anchor: null };

export function clickRow(current: Selection, order: readonly number[], id: number, keys: ClickKeys): Selection {
  if (keys.range && current.anchor !== null && order.includes(current.anchor) && order.includes(id)) {
    const range = between(order, current.anchor, id);
    const ids = keys.toggle ? new Set([...current.ids, ...range]) : new Set(range);
    return { ids, anchor: current.anchor };
  }
  if (keys.toggle) {
    const ids = new Set(current.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: id };
  }
  return { ids: new Set([id]), anchor: id };
}

/** Keep only the ids still shown (after a delete, a move, a new folder opened). */
export function keepShown(current: Selection, order: readonly number[]): Selection {
  const shown = new Set(order);
  const ids = new Set([...current.ids].filter((id) => shown.has(id)));
  const anchor = current.anchor !== null && shown.has(current.anchor) ? current.anchor : null;
  return ids.size === current.ids.size && anchor === current.anchor ? current : { ids, anchor };
}

function between(order: readonly number[], a: number, b: number): number[] {
  const [from, to] = [order.indexOf(a), order.indexOf(b)].sort((x, y) => x - y);
  return order.slice(from, to + 1);
}
