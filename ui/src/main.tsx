import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError } from "./api/client";
import { App } from "./App";
import { prefetchFolder } from "./files/FilesPage";
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

prefetchFolder(queries, location.pathname);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
