import { describe, expect, it } from "vitest";
import { clickRow, keepShown, NOTHING, type Selection } from "./selection";

const order = [10, 20, 30, 40, 50];
const plain = { toggle: false, range: false };
const ctrl = { toggle: true, range: false };
const shift = { toggle: false, range: true };
const ids = (s: Selection) => [...s.ids].sort((a, b) => a - b);

describe("clickRow", () => {
  it("a click selects that row alone and makes it the anchor", () => {
    const s = clickRow(clickRow(NOTHING, order, 20, plain), order, 40, plain);
    expect(ids(s)).toEqual([40]);
    expect(s.anchor).toBe(40);
  });

  it("Ctrl/Cmd-click adds a row, and removes it when clicked again", () => {
    let s = clickRow(NOTHING, order, 20, plain);
    s = clickRow(s, order, 40, ctrl);
    expect(ids(s)).toEqual([20, 40]);
    s = clickRow(s, order, 20, ctrl);
    expect(ids(s)).toEqual([40]);
  });

  it("Shift-click selects the range from the anchor, in either direction", () => {
    const down = clickRow(clickRow(NOTHING, order, 20, plain), order, 40, shift);
    expect(ids(down)).toEqual([20, 30, 40]);
    const up = clickRow(clickRow(NOTHING, order, 40, plain), order, 10, shift);
    expect(ids(up)).toEqual([10, 20, 30, 40]);
  });

  it("a second Shift-click re-draws the range from the same anchor", () => {
    let s = clickRow(NOTHING, order, 30, plain);
    s = clickRow(s, order, 50, shift);
    s = clickRow(s, order, 20, shift);
    expect(ids(s)).toEqual([20, 30]);
    expect(s.anchor).toBe(30);
  });

  it("Ctrl+Shift adds the range to what was selected", () => {
    let s = clickRow(NOTHING, order, 10, plain);
    s = clickRow(s, order, 40, ctrl);
    s = clickRow(s, order, 50, { toggle: true, range: true });
    expect(ids(s)).toEqual([10, 40, 50]);
  });

  it("Shift-click without an anchor (or with one no longer shown) is a plain click", () => {
    expect(ids(clickRow(NOTHING, order, 30, shift))).toEqual([30]);
    const stale: Selection = { ids: new Set([99]), anchor: 99 };
    expect(ids(clickRow(stale, order, 30, shift))).toEqual([30]);
  });
});

describe("keepShown", () => {
  it("drops rows no longer shown, and an anchor that went with them", () => {
    const s: Selection = { ids: new Set([10, 30, 99]), anchor: 99 };
    const kept = keepShown(s, order);
    expect(ids(kept)).toEqual([10, 30]);
    expect(kept.anchor).toBeNull();
  });

  it("returns the same object when nothing changed (no re-render)", () => {
    const s: Selection = { ids: new Set([10]), anchor: 10 };
    expect(keepShown(s, order)).toBe(s);
  });
});
