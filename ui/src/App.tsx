// Who is signed in decides the page: the sign-in page, or the app (its pages chosen by the path).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, unwrap, type User } from "./api/client";
import { FilesPage } from "./files/FilesPage";
import { SignInPage } from "./pages/SignInPage";
import { TopBar } from "./pages/TopBar";
import { useLocation } from "./router";

export function App() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/api/v1/users/me")) });
  const queries = useQueryClient();
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (me.error instanceof ApiError && me.error.status === 401) {
    return <SignInPage onSignedIn={(user) => queries.setQueryData(["me"], user)} />;
  }
  if (me.error) return <p role="alert">{me.error.message}</p>;
  return <SignedIn user={me.data} />;
}

function SignedIn({ user }: { user: User }) {
  const url = useLocation();
  const match = /^\/files\/(\d+)$/.exec(url.pathname);
  const folderId = match ? Number(match[1]) : null;
  const search = url.pathname === "/search" ? (url.searchParams.get("q") ?? "") : null;
  return (
    <div className="app">
      <TopBar user={user} search={search ?? ""} />
      <FilesPage key={user.id} folderId={folderId} search={search} />
    </div>
  );
}
