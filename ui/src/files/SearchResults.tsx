// The global search's results: every file the user may see, wherever it is, newest first (the API's default
// order for search, fast for every text); each opens its folder.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Item } from "../api/client";
import { Problem } from "../components/Dialog";
import { formatDate, formatSize, KIND_LABELS } from "../format";
import { navigate } from "../router";

export function SearchResults({ text }: { text: string }) {
  const found = useInfiniteQuery({
    queryKey: ["search", text],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/api/v1/search", { params: { query: { text, limit: 100, cursor: pageParam } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const items = found.data?.pages.flatMap((p) => p.items) ?? [];
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
            <Result key={item.id} item={item} />
          ))}
        </tbody>
      </table>
      {found.hasNextPage && (
        <button type="button" disabled={found.isFetchingNextPage} onClick={() => void found.fetchNextPage()}>
          More results
        </button>
      )}
    </section>
  );
}

function Result({ item }: { item: Item }) {
  const folder = useQuery({
    queryKey: ["folder", item.folder_id],
    queryFn: () => unwrap(api.GET("/api/v1/folders/{folder_id}", { params: { path: { folder_id: item.folder_id } } })),
  });
  const where = folder.data ? (folder.data.path_to_root ?? []).map((p) => p.name).join(" / ") : "…";
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
