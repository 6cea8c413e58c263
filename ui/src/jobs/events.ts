// The live side of jobs and notifications: one EventSource per tab on /api/v1/events (same origin, the session
// cookie), shared by every component that listens, reconnected when it drops; and the pure updates that fold its
// events into the lists the API gave (the unread count above all).
import type { Schemas } from "../api/client";

export type Job = Schemas["JobPublic"];
export type Notification = Schemas["NotificationPublic"];
export type NotificationsPage = Schemas["NotificationsPublic"];
export type JobsPage = Schemas["JobsPublic"];

export const EVENTS_URL = "/api/v1/events";
const OPEN_STATUSES = new Set(["queued", "validating", "running"]);

export function isOpen(job: Job): boolean {
  return OPEN_STATUSES.has(job.status);
}

// --- notifications: the unread count ---------------------------------------------------------------------

/** A new notification from the stream. The stream and a refetch may both bring one: a known id changes nothing. */
export function addNotification(page: NotificationsPage, note: Notification): NotificationsPage {
  if (page.notifications.some((n) => n.id === note.id)) return page;
  const notifications = [note, ...page.notifications].sort((a, b) => b.id - a.id);
  return { ...page, notifications, unread: page.unread + (note.is_read ? 0 : 1) };
}

/** One notification marked read (as the API answered it); the count drops only if it was unread here. */
export function markRead(page: NotificationsPage, read: Notification): NotificationsPage {
  const before = page.notifications.find((n) => n.id === read.id);
  const wasUnread = before ? !before.is_read : false;
  return {
    ...page,
    notifications: page.notifications.map((n) => (n.id === read.id ? read : n)),
    unread: Math.max(0, page.unread - (wasUnread ? 1 : 0)),
  };
}

export function markAllRead(page: NotificationsPage, at: string): NotificationsPage {
  return {
    ...page,
    notifications: page.notifications.map((n) => (n.is_read ? n : { ...n, is_read: true, read_at: at })),
    unread: 0,
  };
}

/** The bell's accessible name: what it is and how many are unread. */
export function bellLabel(unread: number): string {
  return unread > 0 ? `Notifications, ${unread} unread` : "Notifications, none unread";
}

// --- jobs ---------------------------------------------------------------------------------------------------

/** A job's new state from the stream: replaces an older revision of it, or joins the list (newest first). A
 * revision older than the one held (a late answer) is ignored, and so is a job older than a full page's last
 * (`limit`: the page's size), which belongs to the older pages. */
/** The same in a page already listed (the older pages): only a job it holds changes. */
export function updateListedJob(page: JobsPage, job: Job): JobsPage {
  return page.jobs.some((j) => j.id === job.id) ? upsertJob(page, job) : page;
}

export function upsertJob(page: JobsPage, job: Job, limit = Infinity): JobsPage {
  const held = page.jobs.find((j) => j.id === job.id);
  if (held && held.revision > job.revision) return page;
  const oldest = page.jobs.at(-1);
  if (!held && page.jobs.length >= limit && oldest && job.id < oldest.id) return page;
  const others = page.jobs.filter((j) => j.id !== job.id);
  return { ...page, jobs: [job, ...others].sort((a, b) => b.id - a.id) };
}

// --- the one stream of the tab --------------------------------------------------------------------------------

export interface Source {
  readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface Listener {
  job?: (job: Job) => void;
  notification?: (note: Notification) => void;
  /** The stream is open again after it dropped: what happened meanwhile was missed, so ask the API again. */
  reconnected?: () => void;
  /** Whether the stream is open (false while it reconnects). */
  live?: (open: boolean) => void;
}

/** Timers (real ones in the browser, stepped by hand in tests). */
export interface Clock {
  set: (f: () => void, ms: number) => unknown;
  clear: (timer: unknown) => void;
}

const CLOSED = 2;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

/**
 * One EventSource shared by every listener: opened with the first, closed with the last. The browser reconnects by
 * itself after a network error (honouring the server's `retry:`); when it gives up (an answer that is not a stream,
 * e.g. the server restarting), the hub opens a new one after 1 s, 2 s, 4 s… up to 30 s.
 */
export class EventHub {
  private source: Source | null = null;
  private readonly listeners = new Set<Listener>();
  private timer: unknown = null;
  private delay = FIRST_DELAY_MS;
  private dropped = false;
  private open = false;

  constructor(
    private readonly connect: (url: string) => Source,
    private readonly clock: Clock = {
      set: (f, ms) => setTimeout(f, ms),
      clear: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
    },
  ) {}

  /** Listen until the returned function is called. */
  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    listener.live?.(this.open);
    if (!this.source && !this.timer) this.start();
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.stop();
    };
  }

  get listening(): number {
    return this.listeners.size;
  }

  private start(): void {
    this.timer = null;
    const source = this.connect(EVENTS_URL);
    this.source = source;
    source.onopen = () => {
      this.delay = FIRST_DELAY_MS;
      this.setOpen(true);
      if (this.dropped) this.each((l) => l.reconnected?.());
      this.dropped = false;
    };
    source.onerror = () => {
      this.dropped = true;
      this.setOpen(false);
      if (source.readyState === CLOSED && this.source === source) this.retryLater();
    };
    source.addEventListener("job", (e) => this.each((l) => l.job?.(JSON.parse(e.data) as Job)));
    source.addEventListener("notification", (e) =>
      this.each((l) => l.notification?.(JSON.parse(e.data) as Notification)),
    );
  }

  private retryLater(): void {
    this.source?.close();
    this.source = null;
    this.timer = this.clock.set(() => this.start(), this.delay);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
  }

  private stop(): void {
    if (this.timer) this.clock.clear(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
    this.dropped = false;
    this.open = false;
    this.delay = FIRST_DELAY_MS;
  }

  private setOpen(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    this.each((l) => l.live?.(open));
  }

  private each(call: (listener: Listener) => void): void {
    for (const listener of [...this.listeners]) call(listener);
  }
}

/** The tab's hub (created when first asked for: component tests never open a real stream). */
let tabHub: EventHub | null = null;

export function eventHub(): EventHub {
  tabHub ??= new EventHub((url) => new EventSource(url, { withCredentials: true }));
  return tabHub;
}
