// How values are shown: sizes, dimensions, durations, dates.
import type { Item } from "./api/client";

const UNITS = ["B", "KB", "MB", "GB", "TB"];

export function formatSize(bytes: number | null | undefined): string {
  if (bytes == null) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Dimensions for images, duration (and dimensions) for video and audio, pages for PDFs. */
export function formatExtent(item: Item): string {
  const { width, height, duration, page_count } = item.media;
  const parts: string[] = [];
  if (width && height) parts.push(`${width} × ${height}`);
  if (duration != null) parts.push(formatDuration(duration));
  if (page_count != null) parts.push(`${page_count} page${page_count === 1 ? "" : "s"}`);
  return parts.length ? parts.join(" · ") : "—";
}

export function formatDate(iso: string): string {
  // 2026-12-04 21:44, in the viewer's time zone: short, sortable by eye, the same in every locale
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export const KIND_LABELS: Record<string, string> = {
  image: "Image",
  video: "Video",
  audio: "Audio",
  text: "Text",
  pdf: "PDF",
  nifti: "NIfTI",
  dicom_file: "DICOM file",
  dicom_series: "DICOM series",
  image_group: "Image group",
  image_sequence: "Image sequence",
};
