// The details pane's preview of the selected file: an image, a video stepped frame by frame by its frame map, an
// audio player, a text file's first kilobyte, a DICOM slice or a PDF page as its thumbnail. Composites (image
// groups and sequences, DICOM series) show the member their thumbnail pictures.
//
// Bytes come from cairn's own streaming endpoint (GET /items/{id}/content, Range honoured), never from a presigned
// bucket URL: the page's policy loads media from cairn's origin only, a video's pixels can be read (canvas) only when
// it is of the page's origin, and a bucket would need CORS for the text preview's Range request.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Item } from "../api/client";
import { KIND_LABELS } from "../format";
import { useThumbnailRetry } from "./thumbnailRetry";
import { VideoPreview } from "./VideoPreview";

const TEXT_PREVIEW_BYTES = 1024;

export function contentUrl(itemId: number): string {
  return `/api/v1/items/${itemId}/content`;
}

export function thumbnailUrl(itemId: number): string {
  return `/api/v1/items/${itemId}/thumbnail`;
}

export function Preview({ item }: { item: Item }) {
  if (item.status !== "ready") return null; // nothing to show yet (or ever): the status and its reason say why
  return (
    <section className="preview" aria-label="Preview">
      <PreviewBody item={item} />
    </section>
  );
}

function PreviewBody({ item }: { item: Item }) {
  switch (item.kind) {
    case "image": // the file itself; the server's rendering where the browser cannot show it (TIFF outside Safari)
      return <Picture src={contentUrl(item.id)} fallback={thumbnailUrl(item.id)} alt={item.title} item={item} />;
    case "video":
      return <VideoPreview item={item} src={contentUrl(item.id)} />;
    case "audio":
      return <audio controls preload="metadata" src={contentUrl(item.id)} aria-label={`Play ${item.title}`} />;
    case "text":
      return <TextPreview item={item} />;
    case "nifti":
      return <p className="muted">No preview for NIfTI volumes.</p>;
    default: // a DICOM file or series, a PDF, an image group or sequence: the thumbnail is the rendered picture
      return <Picture src={thumbnailUrl(item.id)} alt={`${KIND_LABELS[item.kind] ?? item.kind}: ${item.title}`} item={item} />;
  }
}

/** An image (or, when it cannot be shown, its fallback) that says so when neither can, not a broken-image icon. */
function Picture({ src, fallback, alt, item }: { src: string; fallback?: string; alt: string; item: Item }) {
  const [failed, setFailed] = useState<string[]>([]);
  const { attempt, retry } = useThumbnailRetry(); // a thumbnail not made yet (202) is asked for again
  const shown = [src, fallback].find((url) => url !== undefined && !failed.includes(url));
  if (shown === undefined) return <p className="muted">The picture could not be loaded.</p>;
  const { width, height } = item.media;
  const ratio = width && height && shown === src && item.kind === "image" ? `${width} / ${height}` : undefined;
  const giveUp = () => setFailed((before) => [...before, shown]);
  const onError = () => (shown === thumbnailUrl(item.id) ? retry(shown, giveUp) : giveUp());
  return (
    <img key={`${shown}#${attempt}`} className="preview-picture" src={shown} alt={alt} style={{ aspectRatio: ratio }} onError={onError} />
  );
}

function TextPreview({ item }: { item: Item }) {
  const text = useQuery({
    queryKey: ["text-preview", item.id],
    queryFn: () => firstBytes(contentUrl(item.id), TEXT_PREVIEW_BYTES),
    staleTime: 60_000,
  });
  if (text.error) return <p role="alert" className="error">{text.error.message}</p>;
  if (!text.data) return <p className="muted">Loading…</p>;
  const more = text.data.total > text.data.shown;
  return (
    <>
      <pre className="text-preview" tabIndex={0} aria-label={`First ${TEXT_PREVIEW_BYTES} bytes of ${item.title}`}>
        {text.data.text}
      </pre>
      {more && <p className="muted">The first {TEXT_PREVIEW_BYTES.toLocaleString("en")} bytes of {text.data.total.toLocaleString("en")}.</p>}
    </>
  );
}

/** The first `bytes` bytes of a file (one Range request), decoded as UTF-8 (a character cut at the end dropped). */
export async function firstBytes(url: string, bytes: number): Promise<{ text: string; shown: number; total: number }> {
  const answer = await fetch(url, { headers: { Range: `bytes=0-${bytes - 1}` }, credentials: "same-origin" });
  if (!answer.ok) throw new Error(await errorMessage(answer));
  const body = new Uint8Array(await answer.arrayBuffer()).subarray(0, bytes);
  const range = answer.headers.get("Content-Range")?.match(/\/(\d+)$/);
  const total = range ? Number(range[1]) : body.length;
  const text = new TextDecoder("utf-8").decode(body, { stream: true }); // stream: an incomplete last character waits
  return { text, shown: body.length, total };
}

async function errorMessage(answer: Response): Promise<string> {
  try {
    const body = (await answer.json()) as { message?: string };
    return body.message ?? `${answer.status} ${answer.statusText}`;
  } catch {
    return `${answer.status} ${answer.statusText}`;
  }
}
