// Files (seed 002): the folder tree, the open folder's table with its toolbar, the details pane, and the dialogs.
import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useQuery, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { api, unwrap, type Folder, type Item, type Schemas, type User } from "../api/client";
import { afterRowsAnswered, answeringRows, rowsAnswered, rowsShown } from "../api/firstRows";
import { Problem } from "../components/Dialog";
import { folderPath, navigate } from "../router";
import { AddToDatasetDialog } from "./AddToDatasetDialog";
import { ContextMenu, type Action, type MenuAt } from "./ContextMenu";
import { DeleteDialog } from "./DeleteDialog";
import { FolderDetails, ItemDetails } from "./DetailsPane";
import { FileTable, type Row, type SortKey } from "./FileTable";
import { FolderTree } from "./FolderTree";
import { ManageAccessDialog } from "./ManageAccessDialog";
import { MoveDialog } from "./MoveDialog";
import { NewFolderDialog } from "./NewFolderDialog";
import { RenameFolderDialog } from "./RenameFolderDialog";
import { ReencodeDialog } from "./ReencodeDialog";
import { FrameExportDialog } from "./FrameExportDialog";
import { BuildVideoDialog } from "./BuildVideoDialog";
import { SearchResults } from "./SearchResults";
import { UploadDialog } from "../upload/UploadDialog";
import { clickRow, keepShown, NOTHING, type ClickKeys, type Selection } from "./selection";
import type { Target } from "./targets";

// A folder's page load finds its first page of files and its sub-folders in the HTML (first_screen in
// cairn/api/webui.py, in this first order and page size: change them together; tests/ui/test_rows_first.py fails if
// the page asks for them).
const PAGE_SIZE = 200;
const FIRST_SORT: SortKey = "name";
const FIRST_DESCENDING = false;
const WRITES = new Set(["editor", "admin"]);

type Open = { dialog: "new-folder" } | { dialog: Exclude<Action, "open">; target: Target } | null;

export function FilesPage({
  me,
  folderId,
  search,
  itemParam = null,
}: {
  me: User;
  folderId: number | null;
  search: string | null;
  /** `?item=` of the URL: the file selected when the page opens (a search result, a notification's link). */
  itemParam?: string | null;
}) {
  const folder = useFolder(folderId);
  const [sort, setSort] = useState<SortKey>(FIRST_SORT);
  const [descending, setDescending] = useState(FIRST_DESCENDING);
  const { rows, itemOrder, complete, hasMore, loadMore, error } = useRows(folderId, sort, descending);
  useEffect(() => {
    tableOrder = { sort, descending };
  }, [sort, descending]);
  const [selection, setSelection] = useState<Selection>(() => preselected());
  const [menu, setMenu] = useState<MenuAt | null>(null);
  const [open, setOpen] = useState<Open>(null);

  useEffect(() => setSelection(preselected()), [folderId, itemParam]);
  // Once every file is loaded, a selected file no longer there (deleted, moved) leaves the selection.
  useEffect(() => setSelection((s) => (complete ? keepShown(s, itemOrder) : s)), [itemOrder, complete]);

  const canWrite = folderId === null ? false : WRITES.has(folder.data?.user_role ?? "");
  const canCreateFolder = folderId === null || canWrite;
  const onSort = (key: SortKey) => {
    setDescending(key === sort ? !descending : key === "created");
    setSort(key);
  };
  const onClickItem = useCallback(
    (id: number, keys: ClickKeys) => setSelection((s) => clickRow(s, itemOrder, id, keys)),
    [itemOrder],
  );
  const act = (action: Action, target: Target) => {
    if (action === "open" && target.kind === "folder") navigate(folderPath(target.folder.id));
    else if (action !== "open") setOpen({ dialog: action, target });
  };
  const selectedIds = [...selection.ids];
  const ofKind = (ids: number[], kind: string) => {
    const wanted = new Set(ids);
    return rows.flatMap((r) => (r.type === "item" && r.item.kind === kind && wanted.has(r.item.id) ? [r.item] : []));
  };
  const videosOf = (ids: number[]) => ofKind(ids, "video");
  const single = selectedIds.length === 1 ? selectedIds[0] : null;

  return (
    <div className="workspace">
      <FolderTree openId={folderId} openPath={(folder.data?.path_to_root ?? []).map((p) => p.id)} />
      <main className="main" aria-label="Files">
        {search !== null ? (
          <SearchResults text={search} />
        ) : (
          <>
            <Breadcrumbs folder={folder.data ?? null} />
            <div className="title-row">
              <h1>{folder.data?.name ?? (folderId === null ? "Files" : "…")}</h1>
              <div className="actions">
                {folder.data && (folder.data.user_role === "admin" || me.is_org_admin) && (
                  <button type="button" onClick={() => act("access", { kind: "folder", folder: folder.data! })}>
                    Manage access
                  </button>
                )}
                {canWrite && folder.data && (
                  <button type="button" onClick={() => act("upload", { kind: "folder", folder: folder.data! })}>
                    <span aria-hidden="true">+ </span>Upload files
                  </button>
                )}
                {canCreateFolder && (
                  <button type="button" className="primary" onClick={() => setOpen({ dialog: "new-folder" })}>
                    <span aria-hidden="true">+ </span>New folder
                  </button>
                )}
              </div>
            </div>
            <Problem error={folder.error ?? error} />
            <SelectionBar
              ids={selectedIds}
              canWrite={canWrite}
              videos={videosOf(selectedIds).length}
              onAction={(a) => act(a, { kind: "items", ids: selectedIds })}
              onClear={() => setSelection(NOTHING)}
            />
            <FileTable
              rows={rows}
              hasMore={hasMore}
              loadMore={loadMore}
              sort={sort}
              descending={descending}
              onSort={onSort}
              selection={selection}
              onClickItem={onClickItem}
              onOpenFolder={(f) => navigate(folderPath(f.id))}
              onMenu={(target, x, y) => setMenu({ target, x, y })}
              showMenus={folderId === null || canWrite}
              empty={folderId === null ? "No folders yet: make one with New folder." : "This folder is empty."}
            />
          </>
        )}
      </main>
      {search === null && <Details folder={folder.data ?? null} itemId={single} rows={rows} count={selectedIds.length} canWrite={canWrite} />}
      {menu && (
        <ContextMenu
          at={menu}
          canWrite={canWrite}
          videos={menu.target.kind === "items" ? videosOf(menu.target.ids).length : 0}
          sequences={menu.target.kind === "items" ? ofKind(menu.target.ids, "image_sequence").length : 0}
          onAction={act}
          onClose={() => setMenu(null)}
        />
      )}
      {open?.dialog === "reencode" && open.target.kind === "items" && (
        <ReencodeDialog videos={videosOf(open.target.ids)} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "reencode" && open.target.kind === "folder" && (
        <ReencodeDialog whole={{ kind: "folder", folder: open.target.folder }} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "export-frames" && open.target.kind === "items" && videosOf(open.target.ids).length === 1 && (
        <FrameExportDialog video={videosOf(open.target.ids)[0]} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "build-video" && open.target.kind === "items" && (
        <BuildVideoDialog sequences={ofKind(open.target.ids, "image_sequence")} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "upload" && open.target.kind === "folder" && (
        <UploadDialog folder={open.target.folder} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "access" && open.target.kind === "folder" && (
        <ManageAccessDialog folder={open.target.folder} me={me} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "new-folder" && <NewFolderDialog parentId={folderId} onClose={() => setOpen(null)} />}
      {open?.dialog === "new-subfolder" && open.target.kind === "folder" && (
        <NewFolderDialog parentId={open.target.folder.id} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "rename" && open.target.kind === "folder" && (
        <RenameFolderDialog folder={open.target.folder} onClose={() => setOpen(null)} />
      )}
      {open?.dialog === "delete" && (
        <DeleteDialog target={open.target} onClose={() => setOpen(null)} onDeleted={() => setSelection(NOTHING)} />
      )}
      {open?.dialog === "move" && (
        <MoveDialog target={open.target} onClose={() => setOpen(null)} onMoved={() => setSelection(NOTHING)} />
      )}
      {open?.dialog === "add-to-dataset" && open.target.kind === "items" && folderId !== null && (
        <AddToDatasetDialog itemIds={open.target.ids} folderId={folderId} onClose={() => setOpen(null)} />
      )}
    </div>
  );
}

/** A search result opens its folder with the file selected (`/files/12?item=34`). */
function preselected(): Selection {
  const id = Number(new URLSearchParams(location.search).get("item"));
  return id > 0 ? { ids: new Set([id]), anchor: id } : NOTHING;
}

/** The table's order, which the next folder opened keeps (the page's state; read by `prefetchFolder`). */
let tableOrder: { sort: SortKey; descending: boolean } = { sort: FIRST_SORT, descending: FIRST_DESCENDING };

/** A page load at `/files/12`, or the app's own navigation to it, asks for its first page of files and its
 * sub-folders (its rows) before React renders the page, and the folder itself once the files' answer is in
 * (api/firstRows.ts): the page then finds them in the cache, or on their way. */
export function prefetchFolder(queries: QueryClient, pathname: string): void {
  const match = /^\/files\/(\d+)$/.exec(pathname);
  if (!match) return;
  const folderId = Number(match[1]);
  void queries.prefetchInfiniteQuery(itemsQuery(folderId, tableOrder.sort, tableOrder.descending));
  void queries.prefetchQuery(subfoldersQuery(folderId));
  void queries.prefetchQuery(folderQuery(folderId));
}

/** What the server put in a folder page's HTML: the table's first rows, as the API answers them. */
export interface FirstScreen {
  folder_id: number;
  files?: Schemas["ItemsPublic"];
  folders?: Schemas["FoldersPublic"];
}

/** The queries of a folder's first rows start from the server's answers in the page (no request for them). */
export function seedFolder(queries: QueryClient, screen: FirstScreen): void {
  if (!screen.files || !screen.folders) return;
  const { queryKey } = itemsQuery(screen.folder_id, FIRST_SORT, FIRST_DESCENDING);
  queries.setQueryData(queryKey, { pages: [screen.files], pageParams: [null] });
  queries.setQueryData(subfoldersQuery(screen.folder_id).queryKey, screen.folders);
}

function folderQuery(folderId: number) {
  return queryOptions({
    queryKey: ["folder", folderId],
    queryFn: afterRowsAnswered(() =>
      unwrap(api.GET("/api/v1/folders/{folder_id}", { params: { path: { folder_id: folderId } } })),
    ),
  });
}

/** The sub-folders of a folder: its first rows, with its first page of files (the folder tree shares the query). */
function subfoldersQuery(folderId: number | null) {
  return queryOptions({
    queryKey: ["folders", folderId],
    queryFn: () => unwrap(api.GET("/api/v1/folders", { params: { query: { parent_id: folderId } } })),
  });
}

function itemsQuery(folderId: number, sort: SortKey, descending: boolean) {
  return infiniteQueryOptions({
    queryKey: ["items", folderId, sort, descending],
    queryFn: ({ pageParam }) => {
      const page = () =>
        unwrap(
          api.GET("/api/v1/folders/{folder_id}/items", {
            params: { path: { folder_id: folderId }, query: { sort, desc: descending, limit: PAGE_SIZE, cursor: pageParam } },
          }),
        );
      return pageParam === null ? answeringRows(page)() : page(); // the first page is the rows awaited
    },
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

function useFolder(folderId: number | null) {
  return useQuery({ ...folderQuery(folderId ?? 0), enabled: folderId !== null });
}

/** Sub-folders (all of them) then files (keyset pages, asked for as the table scrolls to their end). */
function useRows(folderId: number | null, sort: SortKey, descending: boolean) {
  const folders = useQuery(subfoldersQuery(folderId));
  const items = useInfiniteQuery({ ...itemsQuery(folderId ?? 0, sort, descending), enabled: folderId !== null });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = items;
  // Each page's rows and ids are made once (not again for every page that follows: a folder of 100,000 files has
  // 500 pages); only the arrays of references are joined anew.
  const pages = useMemo(() => items.data?.pages ?? [], [items.data]);
  const filesIn = folderId === null || !items.isPending;
  // The rows are shown once both the sub-folders and the first files are in (or failed): the sub-folders come first
  // in the table, and must not push the files down once they are on screen.
  const settled = !folders.isPending && filesIn;
  const loadMore = useCallback(() => {
    // Not while the table shows only its loading row, the first files in but not yet the sub-folders.
    if (settled && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [settled, hasNextPage, isFetchingNextPage, fetchNextPage]);
  const rows = useMemo<Row[]>(() => {
    if (!settled) return [];
    const subs = [...(folders.data?.folders ?? [])].sort(folderOrder(sort, descending));
    return subs.map((f): Row => ({ type: "folder", folder: f })).concat(...pages.map(pageRows));
  }, [settled, folders.data, pages, sort, descending]);
  const itemOrder = useMemo(() => ([] as number[]).concat(...pages.map(pageIds)), [pages]);
  const complete = items.isSuccess && !hasNextPage && !items.isFetching;
  useEffect(() => {
    if (filesIn) rowsAnswered(); // also when they came from the cache, without a request
  });
  useEffect(() => {
    if (settled) rowsShown(); // the rest of the page (tree, details) may now ask for its part
  });
  // While the rows are on their way the table shows its loading row (not "This folder is empty.").
  const hasMore = !settled || Boolean(hasNextPage);
  return { rows, itemOrder, complete, hasMore, loadMore, error: folders.error ?? items.error };
}

type ItemPage = { items: Item[] };
const rowsOfPage = new WeakMap<ItemPage, Row[]>();
const idsOfPage = new WeakMap<ItemPage, number[]>();

function pageRows(page: ItemPage): Row[] {
  let made = rowsOfPage.get(page);
  if (!made) rowsOfPage.set(page, (made = page.items.map((item): Row => ({ type: "item", item }))));
  return made;
}

function pageIds(page: ItemPage): number[] {
  let made = idsOfPage.get(page);
  if (!made) idsOfPage.set(page, (made = page.items.map((item) => item.id)));
  return made;
}

function folderOrder(sort: SortKey, descending: boolean) {
  const sign = descending ? -1 : 1;
  return (a: Folder, b: Folder) =>
    sign * (sort === "name" ? a.name.localeCompare(b.name) : a.created_at.localeCompare(b.created_at));
}

function Breadcrumbs({ folder }: { folder: Folder | null }) {
  const trail = folder?.path_to_root ?? [];
  return (
    <nav aria-label="Breadcrumbs" className="breadcrumbs">
      <ol>
        <li>
          <a href="/files" onClick={(e) => (e.preventDefault(), navigate("/files"))} aria-current={folder ? undefined : "page"}>
            Files
          </a>
        </li>
        {trail.map((p) => (
          <li key={p.id}>
            <a
              href={folderPath(p.id)}
              aria-current={p.id === folder?.id ? "page" : undefined}
              onClick={(e) => (e.preventDefault(), navigate(folderPath(p.id)))}
            >
              {p.name}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

function SelectionBar({
  ids,
  canWrite,
  videos,
  onAction,
  onClear,
}: {
  ids: number[];
  canWrite: boolean;
  /** How many of the selected files are videos (Re-encode acts on those). */
  videos: number;
  onAction: (action: Action) => void;
  onClear: () => void;
}) {
  return (
    <div className="selection-bar" aria-live="polite">
      {ids.length > 0 && (
        <>
          <span className="count">{ids.length === 1 ? "1 file selected" : `${ids.length} files selected`}</span>
          {canWrite && (
            <>
              <button type="button" onClick={() => onAction("add-to-dataset")}>
                Add to dataset
              </button>
              <button type="button" onClick={() => onAction("move")}>
                Move to another folder
              </button>
              {videos > 0 && (
                <button type="button" onClick={() => onAction("reencode")}>
                  Re-encode{videos < ids.length ? ` (${videos} video${videos === 1 ? "" : "s"})` : ""}
                </button>
              )}
              <button type="button" className="danger-text" onClick={() => onAction("delete")}>
                Delete
              </button>
            </>
          )}
          <button type="button" className="quiet" onClick={onClear}>
            Clear selection
          </button>
        </>
      )}
    </div>
  );
}

function Details({
  folder,
  itemId,
  rows,
  count,
  canWrite,
}: {
  folder: Folder | null;
  itemId: number | null;
  rows: Row[];
  count: number;
  canWrite: boolean;
}) {
  const loaded = useMemo(
    () => (itemId === null ? undefined : rows.find((r): r is { type: "item"; item: Item } => r.type === "item" && r.item.id === itemId)?.item),
    [rows, itemId],
  ); // not a scan of every loaded row at each render with nothing selected
  const fetched = useQuery({
    queryKey: ["item", itemId],
    queryFn: () => unwrap(api.GET("/api/v1/items/{item_id}", { params: { path: { item_id: itemId! } } })),
    enabled: itemId !== null && !loaded,
  });
  const item = loaded ?? fetched.data;
  if (item) return <ItemDetails key={item.id} item={item} canWrite={canWrite} />;
  if (count > 1)
    return (
      <aside className="details" aria-label="Selection">
        <h2>{count} files selected</h2>
        <p className="muted">Right-click the selection, or use the buttons above the table.</p>
      </aside>
    );
  if (folder) return <FolderDetails folder={folder} />;
  return (
    <aside className="details" aria-label="About Files">
      <h2>Files</h2>
      <p className="muted">Every file lives in a folder. Open a folder to see its files, or search all files above.</p>
    </aside>
  );
}
