// A file's thumbnail in its table row (GET /items/{id}/thumbnail), in a box of fixed size, so nothing moves when it
// arrives. Only rows on screen are in the DOM (the table is virtual), so only their thumbnails are asked for; the
// browser keeps each for ten minutes (the API's Cache-Control) and then revalidates it by its ETag. The kind's icon
// stands in while it loads, when the file has none (audio, text, NIfTI, not inspected or failed) and when it fails.
// One not made yet (202: a job makes it) is asked for again until it is there (thumbnailRetry.ts).
import { useState } from "react";
import type { Item } from "../api/client";
import { thumbnailUrl } from "./Preview";
import { useThumbnailRetry } from "./thumbnailRetry";

const PICTURED = new Set(["image", "video", "dicom_file", "pdf", "dicom_series", "image_group", "image_sequence"]);

/** Whether the API has a thumbnail for the item (the same kinds and status as its thumbnail service). */
export function hasThumbnail(item: Item): boolean {
  return PICTURED.has(item.kind) && item.status === "ready";
}

export function RowThumbnail({ item }: { item: Item }) {
  const [state, setState] = useState<"loading" | "shown" | "failed">("loading");
  const { attempt, retry } = useThumbnailRetry();
  const wanted = hasThumbnail(item) && state !== "failed";
  return (
    <span className="thumb" aria-hidden="true">
      {state !== "shown" && <span className={`kind-icon kind-${item.kind}`} />}
      {wanted && (
        <img
          key={attempt}
          src={thumbnailUrl(item.id)}
          alt=""
          loading="lazy"
          decoding="async"
          fetchPriority="low" /* the page's API requests go first over the browser's few connections */
          className={state === "shown" ? "shown" : undefined}
          onLoad={() => setState("shown")}
          onError={() => retry(thumbnailUrl(item.id), () => setState("failed"))}
        />
      )}
    </span>
  );
}
