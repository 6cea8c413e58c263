// The open folder's table: sub-folders first, then files, one keyset page at a time as the user scrolls. Only the
// rows on screen are in the DOM (TanStack Virtual), so a folder of 100,000 files scrolls without loading them all.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import type { Folder, Item } from "../api/client";
import { formatDate, formatExtent, formatSize, KIND_LABELS } from "../format";
import { checkName, checksOf, useInspection } from "./inspection";
import { RowThumbnail } from "./RowThumbnail";
import type { ClickKeys, Selection } from "./selection";
import type { Target } from "./targets";

export type Row = { type: "folder"; folder: Folder } | { type: "item"; item: Item };
export type SortKey = "name" | "created";

const ROW_HEIGHT = 44;
// Once the user has scrolled, the next page is asked for when this many rows or fewer are left below the screen: it
// arrives while they read, and a scroll held at the end waits for the server, not for another frame and render.
const AHEAD = 200;

export interface FileTableProps {
  rows: Row[];
  hasMore: boolean;
  loadMore: () => void;
  sort: SortKey;
  descending: boolean;
  onSort: (key: SortKey) => void;
  selection: Selection;
  onClickItem: (id: number, keys: ClickKeys) => void;
  onOpenFolder: (folder: Folder) => void;
  onMenu: (target: Target, x: number, y: number) => void;
  showMenus: boolean;
  empty: string;
}

export function FileTable(props: FileTableProps) {
  const { rows, hasMore, loadMore } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const count = rows.length + (hasMore ? 1 : 0);
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const [focused, setFocused] = useState(0); // the one row in the Tab order (roving focus), moved by the arrows
  const moveFocus = (to: number) => {
    const index = Math.max(0, Math.min(rows.length - 1, to));
    setFocused(index);
    virtual.scrollToIndex(index);
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-row="${index}"]`)?.focus());
    return index;
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[e.key];
    if (step === undefined && e.key !== "Home" && e.key !== "End") return;
    e.preventDefault();
    const to = moveFocus(e.key === "Home" ? 0 : e.key === "End" ? rows.length - 1 : focused + (step ?? 0));
    const row = rows[to];
    if (e.shiftKey && row?.type === "item") props.onClickItem(row.item.id, { toggle: false, range: true });
  };
  const shown = virtual.getVirtualItems();
  const last = shown.at(-1)?.index ?? -1;
  const scrolled = (virtual.scrollOffset ?? 0) > 0;
  useEffect(() => {
    // The loading row is on screen, or (once scrolled) near: ask for the next page.
    if (hasMore && last >= rows.length - 1 - (scrolled ? AHEAD : 0)) loadMore();
  }, [hasMore, last, scrolled, rows.length, loadMore]);

  return (
    <>
    <div role="grid" aria-label="Files" aria-rowcount={hasMore ? -1 : rows.length + 1} aria-multiselectable="true" className="grid">
      <div role="rowgroup" className="thead">
        <div role="row" aria-rowindex={1} className="row head">
          <SortHeader label="Name" sortKey="name" {...props} />
          <div role="columnheader">Kind</div>
          <div role="columnheader">Status</div>
          <div role="columnheader">Size</div>
          <div role="columnheader">Dimensions / duration</div>
          <SortHeader label="Created" sortKey="created" {...props} />
          <div role="columnheader">
            <span className="visually-hidden">Actions</span>
          </div>
        </div>
      </div>
      <div role="rowgroup" className="tbody" ref={scroller} onKeyDown={onKeyDown}>
        <div role="presentation" className="spacer" style={{ height: virtual.getTotalSize() }}>
          {shown.map((v) => (
            <div
              key={v.key}
              role="presentation"
              className="slot"
              style={{ transform: `translateY(${v.start}px)`, height: v.size }}
            >
              {v.index < rows.length ? (
                <TableRow
                  row={rows[v.index]}
                  index={v.index}
                  focusable={v.index === Math.min(focused, rows.length - 1)}
                  onFocusRow={setFocused}
                  {...props}
                />
              ) : (
                <div role="row" aria-rowindex={v.index + 2} className="row loading-row">
                  <div role="gridcell">Loading more files…</div>
                </div>
              )}
            </div>
          ))}
        </div>
      </div>
    </div>
    {rows.length === 0 && !hasMore && <p className="empty">{props.empty}</p>}
    </>
  );
}

function SortHeader({ label, sortKey, sort, descending, onSort }: FileTableProps & { label: string; sortKey: SortKey }) {
  const active = sort === sortKey;
  return (
    <div role="columnheader" aria-sort={active ? (descending ? "descending" : "ascending") : "none"}>
      <button type="button" className="sort" onClick={() => onSort(sortKey)}>
        {label}
        <span aria-hidden="true">{active ? (descending ? " ↓" : " ↑") : ""}</span>
      </button>
    </div>
  );
}

interface RowProps {
  index: number;
  focusable: boolean;
  onFocusRow: (index: number) => void;
}

/** What every row shares: its place for assistive technology and the keyboard. */
function rowAttributes({ index, focusable, onFocusRow }: RowProps) {
  return {
    role: "row",
    "aria-rowindex": index + 2,
    "data-row": index,
    tabIndex: focusable ? 0 : -1,
    onFocus: () => onFocusRow(index),
  };
}

function TableRow({ row, ...props }: FileTableProps & RowProps & { row: Row }) {
  if (row.type === "folder") return <FolderRow folder={row.folder} {...props} />;
  return <ItemRow item={row.item} {...props} />;
}

function FolderRow({ folder, onOpenFolder, onMenu, showMenus, ...props }: FileTableProps & RowProps & { folder: Folder }) {
  const menu = (x: number, y: number) => onMenu({ kind: "folder", folder }, x, y);
  return (
    <div
      {...rowAttributes(props)}
      className="row folder-row"
      onClick={() => onOpenFolder(folder)}
      onContextMenu={rightClick(menu)}
      onKeyDown={(e) => e.key === "Enter" && e.target === e.currentTarget && onOpenFolder(folder)}
    >
      <div role="gridcell" className="name">
        <span className="folder-icon" aria-hidden="true" />
        <a href={`/files/${folder.id}`} onClick={(e) => e.preventDefault()}>
          {folder.name}
        </a>
      </div>
      <div role="gridcell">Folder</div>
      <div role="gridcell" />
      <div role="gridcell" />
      <div role="gridcell" />
      <div role="gridcell">{formatDate(folder.created_at)}</div>
      <div role="gridcell">{showMenus && <MoreButton name={folder.name} onOpen={menu} />}</div>
    </div>
  );
}

function ItemRow({ item, selection, onClickItem, onMenu, showMenus, ...props }: FileTableProps & RowProps & { item: Item }) {
  const selected = selection.ids.has(item.id);
  const keys = (e: MouseEvent): ClickKeys => ({ toggle: e.ctrlKey || e.metaKey, range: e.shiftKey });
  const menu = (x: number, y: number) => {
    // The menu acts on the selection when the row is in it, else on this row alone (which it then selects).
    const ids = selected ? [...selection.ids] : [item.id];
    if (!selected) onClickItem(item.id, { toggle: false, range: false });
    onMenu({ kind: "items", ids }, x, y);
  };
  return (
    <div
      {...rowAttributes(props)}
      aria-selected={selected}
      className={selected ? "row selected" : "row"}
      onMouseDown={(e) => e.shiftKey && e.preventDefault() /* no text selection on Shift-click */}
      onClick={(e) => onClickItem(item.id, keys(e))}
      onContextMenu={rightClick(menu)}
      onKeyDown={(e) => {
        if ((e.key !== " " && e.key !== "Enter") || e.target !== e.currentTarget) return; // not the "⋯" button
        e.preventDefault(); // Space and Enter select, as a click would (with Ctrl/Cmd or Shift as held)
        onClickItem(item.id, { toggle: e.ctrlKey || e.metaKey, range: e.shiftKey });
      }}
    >
      <div role="gridcell" className="name">
        <RowThumbnail key={item.id} item={item} />
        <span className="title">{item.title}</span>
      </div>
      <div role="gridcell">{KIND_LABELS[item.kind] ?? item.kind}</div>
      <div role="gridcell">
        <span className={`status status-${item.status}`}>{item.status}</span>
        {mayHaveFindings(item) && <Findings item={item} />}
      </div>
      <div role="gridcell">{formatSize(item.media.file_size)}</div>
      <div role="gridcell">{formatExtent(item)}</div>
      <div role="gridcell">{formatDate(item.created_at)}</div>
      <div role="gridcell">{showMenus && <MoreButton name={item.title} onOpen={menu} />}</div>
    </div>
  );
}

function rightClick(open: (x: number, y: number) => void) {
  return (e: MouseEvent) => {
    e.preventDefault();
    open(e.clientX, e.clientY);
  };
}

/** Whether a row may carry a warning: not asked of the query cache for every row that scrolls by (most have none). */
function mayHaveFindings(item: Item): boolean {
  return Boolean(item.status_reason) || isInspectedVideo(item);
}

function isInspectedVideo(item: Item): boolean {
  return item.kind === "video" && item.status === "ready";
}

/** Seed 004's warning icon: its hover text (and accessible description) lists what inspection found, with the fixes.
 * A failed file's reason is on its row; a video's checks are asked for only while its row is on screen. */
function Findings({ item }: { item: Item }) {
  const checks = useInspection(item, isInspectedVideo(item));
  const found = [item.status_reason, ...problems(checks.data?.report)].filter(Boolean).join("\n");
  if (!found) return null;
  return (
    <span className="warning" role="img" aria-label="Problems found" title={found} aria-description={found}>
      ⚠
    </span>
  );
}

function problems(report: Record<string, unknown> | undefined): string[] {
  return checksOf(report)
    .filter((c) => c.verdict !== "ok")
    .map((c) => `${checkName(c)}: ${c.reason}${c.fix ? ` (fix: ${c.fix})` : ""}`);
}

/** The "⋯" button: the same menu as a right-click, for keyboard users. */
function MoreButton({ name, onOpen }: { name: string; onOpen: (x: number, y: number) => void }) {
  return (
    <button
      type="button"
      className="more quiet"
      aria-label={`More actions for ${name}`}
      aria-haspopup="menu"
      onClick={(e) => {
        e.stopPropagation();
        const box = e.currentTarget.getBoundingClientRect();
        onOpen(box.right - 200, box.bottom + 4);
      }}
    >
      ⋯
    </button>
  );
}
