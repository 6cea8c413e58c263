// One dataset: what it is, and its files (keyset pages fetched as the table scrolls; only the rows on screen are in
// the DOM), which can be selected and removed from it. A synced dataset's files are its folder's: the API says so.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { api, unwrap, type User } from "../api/client";
import { Problem } from "../components/Dialog";
import { FileTable, type Row, type SortKey } from "../files/FileTable";
import { clickRow, NOTHING, type ClickKeys, type Selection } from "../files/selection";
import { folderPath, navigate } from "../router";
import { DatasetActions } from "./DatasetActions";
import { kindOf } from "./DatasetsPage";

const PAGE_SIZE = 200;

export function DatasetPage({ me, datasetId }: { me: User; datasetId: number }) {
  const queries = useQueryClient();
  const dataset = useQuery({
    queryKey: ["dataset", datasetId],
    queryFn: () => unwrap(api.GET("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: datasetId } } })),
  });
  const [sort, setSort] = useState<SortKey>("name");
  const [descending, setDescending] = useState(false);
  const items = useInfiniteQuery({
    queryKey: ["dataset-items", datasetId, sort, descending],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/items", {
          params: { path: { dataset_id: datasetId }, query: { sort, desc: descending, limit: PAGE_SIZE, cursor: pageParam } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = items;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const files = useMemo(() => items.data?.pages.flatMap((p) => p.items) ?? [], [items.data]);
  const rows = useMemo<Row[]>(() => files.map((item) => ({ type: "item", item })), [files]);
  const order = useMemo(() => files.map((i) => i.id), [files]);
  const [selection, setSelection] = useState<Selection>(NOTHING);
  const onClickItem = useCallback((id: number, keys: ClickKeys) => setSelection((s) => clickRow(s, order, id, keys)), [order]);
  const remove = useMutation({
    mutationFn: (ids: number[]) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/items/remove", { params: { path: { dataset_id: datasetId } }, body: { item_ids: ids } })),
    onSuccess: () => (setSelection(NOTHING), queries.invalidateQueries({ queryKey: ["dataset-items", datasetId] })),
  });
  const selected = [...selection.ids];
  const data = dataset.data;
  return (
    <main className="page wide-page" aria-labelledby="dataset-title">
      <nav aria-label="Breadcrumbs" className="breadcrumbs">
        <ol>
          <li>
            <a href="/datasets" onClick={(e) => (e.preventDefault(), navigate("/datasets"))}>
              Datasets
            </a>
          </li>
        </ol>
      </nav>
      <div className="title-row">
        <h1 id="dataset-title">{data?.title ?? "…"}</h1>
        {data && (me.is_org_admin || data.owner_id === me.id) && <DatasetActions key={data.id} dataset={data} />}
      </div>
      {data && (
        <p className="muted">
          {kindOf(data)}
          {data.synced_folder_id !== null && (
            <>
              {" · "}
              <a className="inline-link" href={folderPath(data.synced_folder_id)} onClick={(e) => (e.preventDefault(), navigate(folderPath(data.synced_folder_id)))}>
                Open its folder
              </a>
            </>
          )}
          {data.description && ` · ${data.description}`}
        </p>
      )}
      <Problem error={dataset.error ?? items.error} />
      <div className="selection-bar" aria-live="polite">
        {selected.length > 0 && (
          <>
            <span className="count">{selected.length === 1 ? "1 file selected" : `${selected.length} files selected`}</span>
            <button type="button" className="danger-text" disabled={remove.isPending} onClick={() => remove.mutate(selected)}>
              Remove from dataset
            </button>
            <button type="button" className="quiet" onClick={() => setSelection(NOTHING)}>
              Clear selection
            </button>
          </>
        )}
      </div>
      <Problem error={remove.error} />
      <FileTable
        rows={rows}
        hasMore={Boolean(hasNextPage)}
        loadMore={loadMore}
        sort={sort}
        descending={descending}
        onSort={(key) => (setDescending(key === sort ? !descending : key === "created"), setSort(key))}
        selection={selection}
        onClickItem={onClickItem}
        onOpenFolder={() => {}}
        onMenu={() => {}}
        showMenus={false}
        empty="No files in this dataset yet: add them from Files (select files, Add to dataset)."
      />
    </main>
  );
}
