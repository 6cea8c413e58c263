// Who is signed in decides the page: the accept page of a one-time link (whoever is signed in), the sign-in page,
// or the app (its pages chosen by the path).
import { queryOptions, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, unwrap, type User } from "./api/client";
import { DatasetPage } from "./datasets/DatasetPage";
import { DatasetsPage } from "./datasets/DatasetsPage";
import { FilesPage } from "./files/FilesPage";
import { IntegrationsPage } from "./integrations/IntegrationsPage";
import { JobsPage } from "./jobs/JobsPage";
import { useLiveEvents } from "./jobs/live";
import { AcceptPage, acceptToken } from "./pages/AcceptPage";
import { AccountPage } from "./pages/AccountPage";
import { PeoplePage } from "./pages/PeoplePage";
import { SignInPage } from "./pages/SignInPage";
import { TopBar } from "./pages/TopBar";
import { useLocation } from "./router";

export function App() {
  const url = useLocation();
  const me = useQuery(meQuery());
  const queries = useQueryClient();
  const signedIn = (user: User) => {
    queries.removeQueries({ predicate: (q) => q.queryKey[0] !== "me" }); // nothing of another user stays
    queries.setQueryData(["me"], user);
  };
  const token = acceptToken(url.hash);
  if (token !== null) return <AcceptPage token={token} onSignedIn={signedIn} />;
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (me.error instanceof ApiError && me.error.status === 401) return <SignInPage onSignedIn={signedIn} />;
  if (me.error) return <p role="alert">{me.error.message}</p>;
  return <SignedIn user={me.data} />;
}

/** Who is signed in (a 401: nobody). main.tsx asks for it before React mounts. */
export function meQuery() {
  return queryOptions({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/api/v1/users/me")) });
}

function SignedIn({ user }: { user: User }) {
  const url = useLocation();
  const search = url.pathname === "/search" ? (url.searchParams.get("q") ?? "") : null;
  useLiveEvents(); // the tab's one event stream, for the bell and the jobs panel
  return (
    <div className="app">
      <TopBar user={user} search={search ?? ""} section={section(url.pathname)} />
      <Page user={user} url={url} search={search} />
    </div>
  );
}

function Page({ user, url, search }: { user: User; url: URL; search: string | null }) {
  if (url.pathname === "/account") return <AccountPage key={user.id} user={user} />;
  if (url.pathname === "/people" && user.is_org_admin) return <PeoplePage key={user.id} me={user} />;
  if (url.pathname === "/integrations") return <IntegrationsPage key={user.id} me={user} />;
  if (url.pathname === "/datasets") return <DatasetsPage key={user.id} me={user} />;
  const dataset = /^\/datasets\/(\d+)$/.exec(url.pathname);
  if (dataset) return <DatasetPage key={`${user.id}-${dataset[1]}`} me={user} datasetId={Number(dataset[1])} />;
  const job = /^\/jobs(?:\/(\d+))?$/.exec(url.pathname);
  if (job) return <JobsPage key={user.id} me={user} jobId={job[1] ? Number(job[1]) : null} />;
  const match = /^\/files\/(\d+)$/.exec(url.pathname);
  return (
    <FilesPage
      key={user.id}
      me={user}
      folderId={match ? Number(match[1]) : null}
      search={search}
      itemParam={url.searchParams.get("item")}
    />
  );
}

export type Section = "files" | "datasets" | "jobs" | "account" | "people" | "integrations";

function section(pathname: string): Section {
  if (pathname === "/account") return "account";
  if (pathname === "/people") return "people";
  if (pathname === "/integrations") return "integrations";
  if (pathname.startsWith("/datasets")) return "datasets";
  if (pathname.startsWith("/jobs")) return "jobs";
  return "files";
}
