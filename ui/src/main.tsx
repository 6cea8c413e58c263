import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, csrfToken } from "./api/client";
import { holdForRows, showsRows, stopHolding } from "./api/firstRows";
import { App, meQuery } from "./App";
import { prefetchFolder } from "./files/FilesPage";
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

// Before React mounts: a page with rows (a folder, search results) asks for them first, then who is signed in; the
// rest of the page waits until the rows are painted (api/firstRows.ts). Only with a session's CSRF cookie: without
// one the sign-in page comes, and nothing else is asked for.
if (csrfToken() !== null) {
  if (showsRows(location.pathname)) {
    holdForRows();
    prefetchFolder(queries, location.pathname);
    prefetchSearch(queries, location);
  }
  void queries.prefetchQuery(meQuery());
}
// The app's own navigations (a click on a folder, the search form, Back): this listener runs before the router's.
addEventListener("popstate", () => (showsRows(location.pathname) ? holdForRows() : stopHolding()));

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
