// The queries the jobs panel and the bell share, kept current by the tab's one event stream.
import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import { afterRows, afterRowsShown } from "../api/firstRows";
import {
  addNotification,
  eventHub,
  isOpen,
  markAllRead,
  markRead,
  updateListedJob,
  upsertJob,
  type Job,
  type JobsPage,
  type Notification,
  type NotificationsPage,
} from "./events";

export const JOBS_KEY = ["jobs"] as const;
export const OLDER_JOBS_KEY = ["jobs", "older"] as const;
export const NOTIFICATIONS_KEY = ["notifications"] as const;
export const OLDER_NOTIFICATIONS_KEY = ["notifications", "older"] as const;
/** Jobs in the live first page (older ones are asked for a page at a time). */
export const JOBS_LISTED = 50;
export const NOTES_LISTED = 50;

export function useJobs() {
  return useQuery({
    queryKey: JOBS_KEY,
    queryFn: afterRowsShown(() => unwrap(api.GET("/api/v1/jobs", { params: { query: { limit: JOBS_LISTED } } }))),
  });
}

export function useNotifications() {
  return useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: afterRowsShown(() => unwrap(api.GET("/api/v1/notifications", { params: { query: { limit: NOTES_LISTED } } }))),
  });
}

/** The pages after a live first page (jobs, notifications), asked for a page at a time once `load` is called.
 * `from`: the id to list before (from the first page; none: there are no more); `next`: the same from a page. */
export function useOlder<Page, Row>({
  key,
  from,
  fetch,
  rows,
  next,
}: {
  key: readonly unknown[];
  from: number | null | undefined;
  fetch: (before: number) => Promise<Page>;
  rows: (page: Page) => Row[];
  next: (page: Page) => number | null | undefined;
}) {
  const [wanted, setWanted] = useState(false);
  const pages = useInfiniteQuery({
    queryKey: [...key, from],
    queryFn: ({ pageParam }) => fetch(pageParam),
    initialPageParam: from ?? 1,
    getNextPageParam: (page) => next(page) ?? undefined,
    enabled: wanted && typeof from === "number",
  });
  const more = typeof from === "number" && (!pages.data || pages.hasNextPage);
  const load = () => (wanted ? void pages.fetchNextPage() : setWanted(true));
  return { rows: pages.data?.pages.flatMap(rows) ?? [], more, load, loading: pages.isFetching, error: pages.error };
}

/** One job: from the live list when it is there, else asked for. */
export function useJob(jobId: number | null) {
  const queries = useQueryClient();
  return useQuery({
    queryKey: ["job", jobId],
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: jobId! } } })),
    enabled: jobId !== null,
    initialData: () => queries.getQueryData<JobsPage>(JOBS_KEY)?.jobs.find((j) => j.id === jobId),
  });
}

/** Fold the stream's events into the shared queries; mounted once for the signed-in app. */
export function useLiveEvents(): void {
  const queries = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | null = null;
    let left = false;
    // The stream opens once the page's rows are shown (api/firstRows.ts): a new connection is not their rival.
    void afterRows().then(() => {
      if (left) return;
      stop = eventHub().listen({
        job: (job) => jobChanged(queries, job),
        notification: (note) => noteAdded(queries, note),
        reconnected: () => {
          void queries.invalidateQueries({ queryKey: JOBS_KEY });
          void queries.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
          void queries.invalidateQueries({ queryKey: ["job"] }); // a job followed alone (an import's) too
        },
      });
    });
    return () => {
      left = true;
      stop?.();
    };
  }, [queries]);
}

/** Whether the tab's stream is open (false while it reconnects). */
export function useLive(): boolean {
  const [open, setOpen] = useState(false);
  useEffect(() => eventHub().listen({ live: setOpen }), []);
  return open;
}

function jobChanged(queries: QueryClient, job: Job): void {
  const held = queries.getQueryData<JobsPage>(JOBS_KEY);
  if (held) queries.setQueryData<JobsPage>(JOBS_KEY, upsertJob(held, job, JOBS_LISTED));
  else void queries.invalidateQueries({ queryKey: JOBS_KEY });
  queries.setQueriesData<InfiniteData<JobsPage>>({ queryKey: OLDER_JOBS_KEY }, (older) =>
    older ? { ...older, pages: older.pages.map((page) => updateListedJob(page, job)) } : older,
  );
  const single = queries.getQueryData<Job>(["job", job.id]);
  if (!single || single.revision <= job.revision) queries.setQueryData(["job", job.id], job);
  if (!isOpen(job)) {
    // what it made or changed: the folders' tables, their summaries, the unit errors
    for (const key of ["items", "folders", "summary", "search", "job-errors", "reencodes"])
      void queries.invalidateQueries({ queryKey: [key] });
  }
}

/** A notification the API marked read: in the first page or an older one, and the unread count (the first page's,
 * which counts them all) lowered once if it was unread here. */
export function noteRead(queries: QueryClient, read: Notification): void {
  const older = queries.getQueriesData<InfiniteData<NotificationsPage>>({ queryKey: OLDER_NOTIFICATIONS_KEY });
  const wasUnreadOlder = older.some(([, data]) =>
    data?.pages.some((page) => page.notifications.some((n) => n.id === read.id && !n.is_read)),
  );
  updateOlderNotes(queries, (page) => markRead(page, read));
  const held = queries.getQueryData<NotificationsPage>(NOTIFICATIONS_KEY);
  if (!held) return;
  const first = markRead(held, read);
  const inFirst = held.notifications.some((n) => n.id === read.id);
  if (!inFirst && wasUnreadOlder) first.unread = Math.max(0, first.unread - 1);
  queries.setQueryData(NOTIFICATIONS_KEY, first);
}

/** Every notification marked read (the API's answer to "Mark all read"), in every page held. */
export function allNotesRead(queries: QueryClient, at: string): void {
  updateOlderNotes(queries, (page) => markAllRead(page, at));
  const held = queries.getQueryData<NotificationsPage>(NOTIFICATIONS_KEY);
  if (held) queries.setQueryData(NOTIFICATIONS_KEY, markAllRead(held, at));
}

function updateOlderNotes(queries: QueryClient, change: (page: NotificationsPage) => NotificationsPage): void {
  queries.setQueriesData<InfiniteData<NotificationsPage>>({ queryKey: OLDER_NOTIFICATIONS_KEY }, (older) =>
    older ? { ...older, pages: older.pages.map(change) } : older,
  );
}

function noteAdded(queries: QueryClient, note: Notification): void {
  const held = queries.getQueryData<NotificationsPage>(NOTIFICATIONS_KEY);
  if (held) queries.setQueryData<NotificationsPage>(NOTIFICATIONS_KEY, addNotification(held, note));
  else void queries.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
}
