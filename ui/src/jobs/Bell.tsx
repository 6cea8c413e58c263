// The bell in the top bar (seed 004: notifications with a red unread count): the count, and a list of what ended
// with links to the job and to what it made.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { api, unwrap } from "../api/client";
import { Problem } from "../components/Dialog";
import { formatDate } from "../format";
import { folderPath, navigate } from "../router";
import { bellLabel, type Notification, type NotificationsPage } from "./events";
import {
  allNotesRead,
  NOTES_LISTED,
  noteRead,
  OLDER_NOTIFICATIONS_KEY,
  useJob,
  useNotifications,
  useOlder,
} from "./live";

export function Bell() {
  const notes = useNotifications();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const box = useRef<HTMLDivElement>(null);
  const unread = notes.data?.unread ?? 0;
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => box.current?.contains(e.target as Node) || setOpen(false);
    addEventListener("mousedown", away);
    return () => removeEventListener("mousedown", away);
  }, [open]);
  return (
    <div className="bell" ref={box} onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
      <button
        type="button"
        className="quiet bell-button"
        aria-label={bellLabel(unread)}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 && (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <section id={panelId} className="bell-panel" aria-label="Notifications">
          <NotificationList page={notes.data} error={notes.error} onLeave={() => setOpen(false)} />
        </section>
      )}
    </div>
  );
}

function NotificationList({
  page,
  error,
  onLeave,
}: {
  page: NotificationsPage | undefined;
  error: Error | null;
  onLeave: () => void;
}) {
  const queries = useQueryClient();
  const all = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/notifications/read")),
    onSuccess: () => allNotesRead(queries, new Date().toISOString()),
  });
  const older = useOlderNotifications(page);
  const firstIds = new Set(page?.notifications.map((n) => n.id));
  return (
    <>
      <header>
        <h2>Notifications</h2>
        <button type="button" disabled={!page?.unread || all.isPending} onClick={() => all.mutate()}>
          Mark all read
        </button>
      </header>
      <Problem error={error ?? all.error} />
      {page && !page.notifications.length && <p className="muted">Nothing yet: a job you start tells you here when it ends.</p>}
      <ul className="notes">
        {page?.notifications.map((n) => <NotificationRow key={n.id} note={n} onLeave={onLeave} />)}
        {older.rows
          .filter((n) => !firstIds.has(n.id))
          .map((n) => (
            <NotificationRow key={n.id} note={n} onLeave={onLeave} />
          ))}
      </ul>
      <Problem error={older.error} />
      {older.more && (
        <button type="button" className="more" disabled={older.loading} onClick={older.load}>
          Show older notifications
        </button>
      )}
    </>
  );
}

/** The notifications after the live first page (the latest 50), a page at a time when asked for. */
function useOlderNotifications(first: NotificationsPage | undefined) {
  return useOlder({
    key: OLDER_NOTIFICATIONS_KEY,
    from: first?.next_before_id,
    fetch: (before) =>
      unwrap(api.GET("/api/v1/notifications", { params: { query: { before_id: before, limit: NOTES_LISTED } } })),
    rows: (older) => older.notifications,
    next: (older) => older.next_before_id,
  });
}

function NotificationRow({ note, onLeave }: { note: Notification; onLeave: () => void }) {
  const queries = useQueryClient();
  const read = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: note.id } } })),
    onSuccess: (answer) => noteRead(queries, answer),
  });
  const go = (to: string) => {
    if (!note.is_read) read.mutate();
    onLeave();
    navigate(to);
  };
  return (
    <li className={note.is_read ? "note" : "note unread"}>
      <p className={`outcome outcome-${note.outcome}`}>
        {!note.is_read && <span className="visually-hidden">Unread: </span>}
        {note.message}
      </p>
      <time dateTime={note.created_at}>{formatDate(note.created_at)}</time>
      <div className="note-links">
        {note.job_id !== null && <Go to={`/jobs/${note.job_id}`} onGo={go}>View job</Go>}
        {note.folder_id !== null && <Go to={folderPath(note.folder_id)} onGo={go}>Open folder</Go>}
        {note.dataset_id !== null && <Go to={`/datasets/${note.dataset_id}`} onGo={go}>Open dataset</Go>}
        {note.job_id !== null && <MadeLinks jobId={note.job_id} onGo={go} />}
        {!note.is_read && (
          <button type="button" className="quiet" disabled={read.isPending} onClick={() => read.mutate()}>
            Mark read
          </button>
        )}
      </div>
      <Problem error={read.error} />
    </li>
  );
}

const MADE_SHOWN = 3;

/** A re-encode's new items (its summary's `made`), each opened in its folder. */
function MadeLinks({ jobId, onGo }: { jobId: number; onGo: (to: string) => void }) {
  const job = useJob(jobId);
  const made = (job.data?.summary.made ?? []) as { item_id: number }[];
  return (
    <>
      {made.slice(0, MADE_SHOWN).map((m) => (
        <ItemLink key={m.item_id} itemId={m.item_id} onGo={onGo} />
      ))}
    </>
  );
}

export function ItemLink({ itemId, onGo, prefix = "Open" }: { itemId: number; onGo: (to: string) => void; prefix?: string }) {
  const item = useQuery({
    queryKey: ["item", itemId],
    queryFn: () => unwrap(api.GET("/api/v1/items/{item_id}", { params: { path: { item_id: itemId } } })),
  });
  if (!item.data) return null;
  return (
    <Go to={`${folderPath(item.data.folder_id)}?item=${itemId}`} onGo={onGo}>
      {prefix ? `${prefix} ${item.data.title}` : item.data.title}
    </Go>
  );
}

function Go({ to, onGo, children }: { to: string; onGo: (to: string) => void; children: React.ReactNode }) {
  return (
    <a className="inline-link" href={to} onClick={(e) => (e.preventDefault(), onGo(to))}>
      {children}
    </a>
  );
}
