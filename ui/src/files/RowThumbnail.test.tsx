// A row's thumbnail: asked for only when the API has one; the kind's icon while it loads, when it has none and when
// it fails; the same box either way.
import { act, cleanup, fireEvent, render } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Item } from "../api/client";
import { RowThumbnail } from "./RowThumbnail";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function answers(...statuses: number[]) {
  const asked: string[] = [];
  vi.stubGlobal("fetch", async (url: string) => {
    asked.push(url);
    const status = statuses.shift() ?? 404;
    return new Response(status === 200 ? "webp" : "{}", { status, headers: { "Retry-After": "1" } });
  });
  return asked;
}

function item(kind: string, status = "ready"): Item {
  return { id: 42, kind, status, title: "x", media: {} } as unknown as Item;
}

describe("RowThumbnail", () => {
  it("asks for the thumbnail of a pictured kind, with the icon until it loads", () => {
    const { container } = render(<RowThumbnail item={item("video")} />);
    const img = container.querySelector("img");
    expect(img?.getAttribute("src")).toBe("/api/v1/items/42/thumbnail");
    expect(img?.getAttribute("loading")).toBe("lazy");
    expect(container.querySelector(".kind-icon.kind-video")).not.toBeNull();
    fireEvent.load(img as HTMLImageElement);
    expect(container.querySelector("img.shown")).not.toBeNull();
    expect(container.querySelector(".kind-icon")).toBeNull();
  });

  it("falls back to the kind's icon when the API has no thumbnail", async () => {
    const asked = answers(404);
    const { container } = render(<RowThumbnail item={item("pdf")} />);
    await act(async () => fireEvent.error(container.querySelector("img") as HTMLImageElement));
    expect(asked).toEqual(["/api/v1/items/42/thumbnail"]);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".thumb .kind-icon.kind-pdf")).not.toBeNull();
  });

  it("asks again while a job makes the thumbnail (202), then shows it", async () => {
    vi.useFakeTimers();
    const asked = answers(202, 202, 200);
    const { container } = render(<RowThumbnail item={item("image")} />);
    const first = container.querySelector("img");
    await act(async () => fireEvent.error(first as HTMLImageElement));
    await act(async () => vi.advanceTimersByTimeAsync(1000)); // Retry-After: 1
    await act(async () => vi.advanceTimersByTimeAsync(2000)); // then longer
    expect(asked.length).toBe(3);
    const again = container.querySelector("img");
    expect(again).not.toBeNull();
    expect(again).not.toBe(first); // mounted again: the browser loads it from its cache
    fireEvent.load(again as HTMLImageElement);
    expect(container.querySelector("img.shown")).not.toBeNull();
  });

  it("asks nothing for kinds without one, or files not ready", () => {
    for (const it of [item("audio"), item("text"), item("nifti"), item("image", "failed"), item("video", "inspecting")]) {
      const { container, unmount } = render(<RowThumbnail item={it} />);
      expect(container.querySelector("img")).toBeNull();
      expect(container.querySelector(`.thumb .kind-icon.kind-${it.kind}`)).not.toBeNull();
      unmount();
    }
  });
});
