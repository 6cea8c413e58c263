// The global search's results: every file the user may see, wherever it is, newest first (the API's default
// order for search, fast for every text); each opens its folder.
import { infiniteQueryOptions, useInfiniteQuery, useQueries, type QueryClient } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { api, unwrap, type Item } from "../api/client";
import { afterRowsShown, rowsShown } from "../api/firstRows";
import { Problem } from "../components/Dialog";
import { LoadMore } from "../components/ListPage";
import { formatDate, formatSize, KIND_LABELS } from "../format";
import { navigate } from "../router";

const PAGE_SIZE = 100;

function searchQuery(text: string) {
  return infiniteQueryOptions({
    queryKey: ["search", text],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/api/v1/search", { params: { query: { text, limit: PAGE_SIZE, cursor: pageParam } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

/** A page load at `/search?q=...` asks for the first results beside who is signed in (main.tsx). */
export function prefetchSearch(queries: QueryClient, url: { pathname: string; search: string }): void {
  const text = url.pathname === "/search" ? new URLSearchParams(url.search).get("q") : null;
  if (text) void queries.prefetchInfiniteQuery(searchQuery(text));
}

export function SearchResults({ text }: { text: string }) {
  const found = useInfiniteQuery(searchQuery(text));
  const items = useMemo(() => found.data?.pages.flatMap((p) => p.items) ?? [], [found.data]);
  useEffect(() => {
    if (!found.isPending) rowsShown(); // in the DOM (or failed): the rest of the page may ask for its part
  });
  const where = useFolderPaths(items);
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search results for “{text}”</h1>
      <p className="muted">Newest first.</p>
      <Problem error={found.error} />
      {found.data && !items.length && <p className="muted">No file you may see matches.</p>}
      <table className="results">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Size</th>
            <th scope="col">Folder</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <Result key={item.id} item={item} where={where.get(item.folder_id) ?? "…"} />
          ))}
        </tbody>
      </table>
      <LoadMore label="More results" pages={found} />
    </section>
  );
}

/** Each result's folder path ("project / cam / day"): one query per folder the results are in, not one per row (a
 * page of 100 results comes from a few folders). */
function useFolderPaths(items: Item[]): Map<number, string> {
  const ids = useMemo(() => [...new Set(items.map((i) => i.folder_id))], [items]);
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: ["folder", id],
      queryFn: afterRowsShown(() => unwrap(api.GET("/api/v1/folders/{folder_id}", { params: { path: { folder_id: id } } }))),
    })),
    combine: (folders) => {
      const paths = new Map<number, string>();
      folders.forEach((f, n) => f.data && paths.set(ids[n], (f.data.path_to_root ?? []).map((p) => p.name).join(" / ")));
      return paths;
    },
  });
}

function Result({ item, where }: { item: Item; where: string }) {
  const open = `/files/${item.folder_id}?item=${item.id}`;
  return (
    <tr>
      <td>{item.title}</td>
      <td>{KIND_LABELS[item.kind] ?? item.kind}</td>
      <td>{formatSize(item.media.file_size)}</td>
      <td>
        <a href={open} onClick={(e) => (e.preventDefault(), navigate(open))} aria-label={`Open folder ${where} at ${item.title}`}>
          {where}
        </a>
      </td>
      <td>{formatDate(item.created_at)}</td>
    </tr>
  );
}
