// A small history router: the app has few pages, each a path (/files, /files/12, /search?q=..., /datasets, /jobs,
// /datasets/3, /account, /people, /integrations), and the one hash route of one-time links (/#/accept?token=...).
import { useEffect, useState } from "react";

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useLocation(): URL {
  const [href, setHref] = useState(location.href);
  useEffect(() => {
    const changed = () => setHref(location.href);
    addEventListener("popstate", changed);
    addEventListener("hashchange", changed); // an accept link pasted into a page already open
    return () => {
      removeEventListener("popstate", changed);
      removeEventListener("hashchange", changed);
    };
  }, []);
  return new URL(href);
}

export function folderPath(folderId: number | null): string {
  return folderId === null ? "/files" : `/files/${folderId}`;
}
