import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, csrfToken } from "./api/client";
import { holdForRows, showsRows, stopHolding } from "./api/firstRows";
import type { User } from "./api/client";
import { App, meQuery } from "./App";
import { prefetchFolder, seedFolder, type FirstScreen } from "./files/FilesPage";
import { prefetchSearch } from "./files/SearchResults";
import "./styles.css";

// A 401 anywhere means the session ended (signed out elsewhere, expired, its token revoked): ask who is signed in
// again, which shows the sign-in page.
const signedOut = (error: Error) => {
  if (error instanceof ApiError && error.status === 401) void queries.resetQueries({ queryKey: ["me"] });
};

const queries = new QueryClient({
  queryCache: new QueryCache({ onError: (error, query) => query.queryKey[0] !== "me" && signedOut(error) }),
  mutationCache: new MutationCache({ onError: signedOut }),
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 10_000 } },
});

/** A folder's page load comes with its first screen in the HTML (cairn/api/webui.py `first_screen`): who is signed in
 * and the table's first rows, as the API answers them. The queries start from them; the element is read once. */
function firstScreen(): void {
  const element = document.getElementById("cairn-first-screen");
  if (!element) return;
  element.remove();
  const screen = JSON.parse(element.textContent ?? "null") as (FirstScreen & { me: User }) | null;
  if (!screen || `/files/${screen.folder_id}` !== location.pathname) return;
  queries.setQueryData(meQuery().queryKey, screen.me);
  seedFolder(queries, screen);
}

/** A page with rows (a folder, search results) asks for them first, before React renders it, and the rest of the
 * page waits until they are painted (api/firstRows.ts). */
function rowsFirst(): void {
  if (!showsRows(location.pathname)) return stopHolding();
  holdForRows();
  prefetchFolder(queries, location.pathname);
  prefetchSearch(queries, location);
}

// A page load asks for the rows, then who is signed in, before React mounts. Only with a session's CSRF cookie:
// without one the sign-in page comes, and nothing else is asked for.
if (csrfToken() !== null) {
  firstScreen();
  rowsFirst();
  void queries.prefetchQuery(meQuery());
}
// The app's own navigations (a click on a folder, the search form, Back): this listener runs before the router's,
// so the rows' request is on its way before React renders the new page.
addEventListener("popstate", rowsFirst);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
