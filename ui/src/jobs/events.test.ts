import { describe, expect, it } from "vitest";
import {
  addNotification,
  bellLabel,
  EventHub,
  markAllRead,
  markRead,
  upsertJob,
  type Clock,
  type Job,
  type Notification,
  type NotificationsPage,
  type Source,
  updateListedJob,
} from "./events";

function note(id: number, is_read = false): Notification {
  return {
    id,
    job_id: id,
    folder_id: 1,
    dataset_id: null,
    outcome: "done",
    message: `Job ${id} done`,
    is_read,
    created_at: "2026-12-05T01:00:00Z",
    read_at: is_read ? "2026-12-05T01:01:00Z" : null,
  };
}

function job(id: number, revision: number, status = "running"): Job {
  return { id, revision, status, title: `job ${id}` } as Job;
}

const page = (notes: Notification[], unread: number): NotificationsPage => ({
  notifications: notes,
  unread,
  next_before_id: null,
});

describe("the unread count", () => {
  it("counts a new unread notification once, however often it arrives", () => {
    let held = page([note(1, true)], 0);
    held = addNotification(held, note(2));
    held = addNotification(held, note(2)); // the stream and a refetch both brought it
    expect(held.unread).toBe(1);
    expect(held.notifications.map((n) => n.id)).toEqual([2, 1]);
  });

  it("keeps the server's count of unread notifications beyond the page", () => {
    const held = addNotification(page([note(5)], 40), note(6));
    expect(held.unread).toBe(41);
  });

  it("does not count a notification that arrives already read", () => {
    expect(addNotification(page([], 0), note(3, true)).unread).toBe(0);
  });

  it("drops by one when an unread one is marked read, and not again", () => {
    let held = page([note(2), note(1)], 2);
    held = markRead(held, note(2, true));
    expect(held.unread).toBe(1);
    held = markRead(held, note(2, true));
    expect(held.unread).toBe(1);
    expect(held.notifications.find((n) => n.id === 2)?.is_read).toBe(true);
  });

  it("is zero after mark all read, every notification read", () => {
    const held = markAllRead(page([note(2), note(1, true)], 7), "2026-12-05T02:00:00Z");
    expect(held.unread).toBe(0);
    expect(held.notifications.every((n) => n.is_read && n.read_at)).toBe(true);
  });

  it("names the bell with the count", () => {
    expect(bellLabel(3)).toBe("Notifications, 3 unread");
    expect(bellLabel(0)).toBe("Notifications, none unread");
  });
});

describe("jobs from the stream", () => {
  it("replaces an older revision and keeps the newest first", () => {
    let held = { jobs: [job(3, 1), job(1, 9, "done")] };
    held = upsertJob(held, job(3, 2, "done"));
    held = upsertJob(held, job(4, 1, "queued"));
    expect(held.jobs.map((j) => [j.id, j.revision, j.status])).toEqual([
      [4, 1, "queued"],
      [3, 2, "done"],
      [1, 9, "done"],
    ]);
  });

  it("leaves a job older than a full page to the older pages, which only update what they hold", () => {
    const full = { jobs: [job(9, 1), job(8, 1)] };
    expect(upsertJob(full, job(3, 2), 2)).toBe(full);
    expect(upsertJob(full, job(10, 1), 2).jobs.map((j) => j.id)).toEqual([10, 9, 8]);
    expect(upsertJob({ jobs: [job(9, 1)] }, job(3, 1), 2).jobs.map((j) => j.id)).toEqual([9, 3]);
    const older = { jobs: [job(3, 1), job(2, 1)] };
    expect(updateListedJob(older, job(3, 2, "done")).jobs[0].status).toBe("done");
    expect(updateListedJob(older, job(1, 1))).toBe(older);
  });

  it("ignores a revision older than the one held", () => {
    const held = { jobs: [job(3, 5, "done")] };
    expect(upsertJob(held, job(3, 4, "running"))).toBe(held);
  });
});

class FakeSource implements Source {
  static made: FakeSource[] = [];
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private handlers = new Map<string, (event: MessageEvent<string>) => void>();
  constructor(readonly url: string) {
    FakeSource.made.push(this);
  }
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.handlers.set(type, listener);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  opened(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  send(type: string, data: unknown): void {
    this.handlers.get(type)?.({ data: JSON.stringify(data) } as MessageEvent<string>);
  }
  fail(closed: boolean): void {
    this.readyState = closed ? 2 : 0;
    this.onerror?.(new Event("error"));
  }
}

class StepClock implements Clock {
  pending: { f: () => void; ms: number }[] = [];
  set = (f: () => void, ms: number) => {
    const timer = { f, ms };
    this.pending.push(timer);
    return timer;
  };
  clear = (timer: unknown) => {
    this.pending = this.pending.filter((t) => t !== timer);
  };
  next(): number {
    const timer = this.pending.shift()!;
    timer.f();
    return timer.ms;
  }
}

function hub() {
  FakeSource.made = [];
  const clock = new StepClock();
  return { hub: new EventHub((url) => new FakeSource(url), clock), clock };
}

describe("the tab's one stream", () => {
  it("is opened once for every listener and closed with the last", () => {
    const { hub: h } = hub();
    const jobs: number[][] = [[], []];
    const stopA = h.listen({ job: (j) => jobs[0].push(j.id) });
    const stopB = h.listen({ job: (j) => jobs[1].push(j.id) });
    expect(FakeSource.made.map((s) => s.url)).toEqual(["/api/v1/events"]);
    FakeSource.made[0].opened();
    FakeSource.made[0].send("job", job(7, 1));
    expect(jobs).toEqual([[7], [7]]);
    stopA();
    expect(FakeSource.made[0].closed).toBe(false);
    stopB();
    expect(FakeSource.made[0].closed).toBe(true);
  });

  it("hands notifications to their listeners", () => {
    const { hub: h } = hub();
    const got: Notification[] = [];
    h.listen({ notification: (n) => got.push(n) });
    FakeSource.made[0].send("notification", note(9));
    expect(got.map((n) => n.id)).toEqual([9]);
  });

  it("opens a new stream when the browser gives up, backing off, and says so when it is back", () => {
    const { hub: h, clock } = hub();
    const states: boolean[] = [];
    let reconnected = 0;
    h.listen({ live: (open) => states.push(open), reconnected: () => reconnected++ });
    FakeSource.made[0].opened();
    FakeSource.made[0].fail(true); // closed: the browser will not retry
    expect(clock.next()).toBe(1000);
    FakeSource.made[1].fail(true);
    expect(clock.next()).toBe(2000);
    expect(reconnected).toBe(0);
    FakeSource.made[2].opened();
    expect(reconnected).toBe(1);
    expect(FakeSource.made.map((s) => s.closed)).toEqual([true, true, false]);
    expect(states).toEqual([false, true, false, true]);
    FakeSource.made[2].fail(true);
    expect(clock.next()).toBe(1000); // the delay starts again after a success
  });

  it("leaves a stream the browser is still retrying to the browser", () => {
    const { hub: h, clock } = hub();
    let reconnected = 0;
    h.listen({ reconnected: () => reconnected++ });
    FakeSource.made[0].opened();
    FakeSource.made[0].fail(false); // CONNECTING: the browser retries by itself
    expect(clock.pending).toEqual([]);
    FakeSource.made[0].opened();
    expect(reconnected).toBe(1);
    expect(FakeSource.made).toHaveLength(1);
  });

  it("stops retrying when its last listener goes", () => {
    const { hub: h, clock } = hub();
    const stop = h.listen({});
    FakeSource.made[0].fail(true);
    expect(clock.pending).toHaveLength(1);
    stop();
    expect(clock.pending).toEqual([]);
    expect(h.listening).toBe(0);
  });
});
