// What an action applies to: the selected files, or one folder (its row's menu).
import type { Folder } from "../api/client";

export type Target = { kind: "items"; ids: number[] } | { kind: "folder"; folder: Folder };

export function describe(target: Target): string {
  if (target.kind === "folder") return `folder “${target.folder.name}”`;
  return target.ids.length === 1 ? "1 file" : `${target.ids.length} files`;
}
