import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  afterRowsAnswered,
  afterRowsShown,
  answeringRows,
  holdForRows,
  LONGEST_WAIT_MS,
  rowsAnswered,
  rowsShown,
  showsRows,
  stopHolding,
} from "./firstRows";

describe("the rows first", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame"] }));
  afterEach(() => {
    stopHolding();
    vi.useRealTimers();
  });

  const asked = () => {
    const calls: string[] = [];
    const query = afterRowsShown(async (what: string) => {
      calls.push(what);
      return what;
    });
    return { calls, query };
  };

  it("asks at once when no rows are awaited", async () => {
    const { calls, query } = asked();
    await expect(query("tree")).resolves.toBe("tree");
    expect(calls).toEqual(["tree"]);
  });

  it("holds the rest of the page until the rows are painted", async () => {
    holdForRows();
    const { calls, query } = asked();
    const answer = query("tree");
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([]); // the rows are not there yet

    rowsShown();
    expect(calls).toEqual([]); // in the DOM, not yet painted
    await vi.advanceTimersByTimeAsync(20); // the next frame, then the task after it
    await expect(answer).resolves.toBe("tree");
    expect(calls).toEqual(["tree"]);
  });

  it("lets the rest go after LONGEST_WAIT_MS when the rows never come", async () => {
    holdForRows();
    const { calls, query } = asked();
    void query("details");
    await vi.advanceTimersByTimeAsync(LONGEST_WAIT_MS - 1);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["details"]);
  });

  it("lets the rest go when the page is left for one without rows", async () => {
    holdForRows();
    const { calls, query } = asked();
    void query("notifications");
    stopHolding();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(["notifications"]);
  });

  const askedOnceAnswered = () => {
    const calls: string[] = [];
    const query = afterRowsAnswered(async (what: string) => {
      calls.push(what);
      return what;
    });
    return { calls, query };
  };

  it("asks for what the page needs beside the rows once their answer is in, before they are painted", async () => {
    holdForRows();
    const needed = askedOnceAnswered();
    const rest = asked();
    void needed.query("folder");
    void rest.query("tree");
    await vi.advanceTimersByTimeAsync(100);
    expect(needed.calls).toEqual([]); // the rows' request has the server to itself

    rowsAnswered();
    await vi.advanceTimersByTimeAsync(0); // no frame waited for
    expect(needed.calls).toEqual(["folder"]);
    expect(rest.calls).toEqual([]); // the rest still waits for the rows to be painted
  });

  it("opens the answered gate whether the rows' request succeeds or fails", async () => {
    for (const rows of [async () => "rows", async () => Promise.reject(new Error("503"))]) {
      holdForRows();
      const needed = askedOnceAnswered();
      void needed.query("folder");
      await answeringRows(rows)().catch(() => undefined);
      await vi.advanceTimersByTimeAsync(0);
      expect(needed.calls).toEqual(["folder"]);
      stopHolding();
    }
  });

  it("lets what the page needs beside the rows go when they are shown without a request (from the cache)", async () => {
    holdForRows();
    const needed = askedOnceAnswered();
    void needed.query("folder");
    rowsShown();
    await vi.advanceTimersByTimeAsync(0);
    expect(needed.calls).toEqual(["folder"]);
  });

  it("knows the pages that show rows", () => {
    expect(showsRows("/files/12")).toBe(true);
    expect(showsRows("/search")).toBe(true);
    expect(showsRows("/files")).toBe(false); // the top level: a few folders, nothing to hold back for
    expect(showsRows("/jobs")).toBe(false);
  });
});
