// The menu of a right-click or of a row's "⋯" button: what the caller may do to the files or the folder.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, unwrap } from "../api/client";
import type { Target } from "./targets";

export type Action =
  | "add-to-dataset"
  | "move"
  | "delete"
  | "open"
  | "upload"
  | "access"
  | "new-subfolder"
  | "rename"
  | "reencode"
  | "export-frames"
  | "build-video";

export interface MenuAt {
  target: Target;
  x: number;
  y: number;
}

const WRITES = new Set(["editor", "admin"]);

export function ContextMenu({
  at,
  canWrite,
  videos = 0,
  sequences = 0,
  onAction,
  onClose,
}: {
  at: MenuAt;
  canWrite: boolean;
  /** How many of the files acted on are videos (Re-encode; Export frames for one) and image sequences (Build video). */
  videos?: number;
  sequences?: number;
  onAction: (action: Action, target: Target) => void;
  onClose: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  // What opened the menu (the row right-clicked, the "⋯" button): focus goes back there when the menu closes, so a
  // dialog opened from it returns focus there too (the menu item it was opened from is gone by then).
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));
  const close = () => {
    if (opener?.isConnected) opener.focus();
    onClose();
  };
  const target = at.target;
  // A folder's row may be one the caller only reads, whatever their role on the folder it is listed in.
  const folder = useQuery({
    queryKey: ["folder", target.kind === "folder" ? target.folder.id : 0],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/folders/{folder_id}", {
          params: { path: { folder_id: target.kind === "folder" ? target.folder.id : 0 } },
        }),
      ),
    enabled: target.kind === "folder",
  });
  const writable = target.kind === "folder" ? WRITES.has(folder.data?.user_role ?? "") : canWrite;
  useEffect(() => {
    box.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const away = (e: MouseEvent) => box.current?.contains(e.target as Node) || onClose();
    addEventListener("mousedown", away);
    return () => removeEventListener("mousedown", away);
  }, [onClose, writable]);
  const item = (action: Action, label: string, danger = false) => (
    <button
      type="button"
      role="menuitem"
      className={danger ? "danger-text" : undefined}
      onClick={() => (close(), onAction(action, target))}
    >
      {label}
    </button>
  );
  return (
    <div
      ref={box}
      className="menu"
      role="menu"
      aria-label="Actions"
      style={{ left: Math.max(8, Math.min(at.x, innerWidth - 230)), top: Math.max(8, Math.min(at.y, innerHeight - 270)) }}
      onKeyDown={(e) => e.key === "Escape" && close()}
    >
      {target.kind === "folder" && item("open", "Open")}
      {writable && target.kind === "folder" && item("upload", "Upload files")}
      {writable && target.kind === "folder" && item("new-subfolder", "New sub-folder")}
      {writable && target.kind === "folder" && item("rename", "Rename")}
      {target.kind === "folder" && folder.data?.user_role === "admin" && item("access", "Manage access")}
      {writable && target.kind === "items" && item("add-to-dataset", "Add to dataset")}
      {writable && item("move", "Move to another folder")}
      {writable && (target.kind === "folder" || videos > 0) && item("reencode", "Re-encode")}
      {writable && target.kind === "items" && target.ids.length === 1 && videos === 1 && item("export-frames", "Export frames")}
      {writable && target.kind === "items" && sequences > 0 && item("build-video", "Build video")}
      {writable && item("delete", "Delete", true)}
      {!writable && target.kind === "items" && <p className="muted menu-note">You may only view these files.</p>}
    </div>
  );
}
