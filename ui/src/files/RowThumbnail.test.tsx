// A row's thumbnail: asked for only when the API has one; the kind's icon while it loads, when it has none and when
// it fails; the same box either way.
import { cleanup, fireEvent, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Item } from "../api/client";
import { RowThumbnail } from "./RowThumbnail";

afterEach(cleanup);

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

  it("falls back to the kind's icon when the thumbnail fails", () => {
    const { container } = render(<RowThumbnail item={item("pdf")} />);
    fireEvent.error(container.querySelector("img") as HTMLImageElement);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".thumb .kind-icon.kind-pdf")).not.toBeNull();
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
