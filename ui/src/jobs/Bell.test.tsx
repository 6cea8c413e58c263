// The bell against a fake server (fetch answered in the test): the unread count in its accessible name, the list,
// marking one and all read, and the link to what a re-encode made.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Bell } from "./Bell";

const sent: { method: string; path: string; csrf: string | null; query?: string }[] = [];
let paged = false; // the first page says there are older ones (next_before_id)

const note = (id: number, is_read: boolean, job_id: number | null) => ({
  id,
  job_id,
  folder_id: 5,
  dataset_id: null,
  outcome: "done",
  message: `Job ${id} done: 1 of 1 unit(s) done.`,
  is_read,
  created_at: "2026-12-05T01:00:00Z",
  read_at: null,
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function server(path: string, method: string, query: URLSearchParams): Response {
  if (path === "/api/v1/notifications" && query.get("before_id") === "2")
    return json(200, { notifications: [note(1, false, null)], unread: 4, next_before_id: null });
  if (path === "/api/v1/notifications" && paged)
    return json(200, { notifications: [note(3, false, null), note(2, true, null)], unread: 4, next_before_id: 2 });
  if (path === "/api/v1/notifications") return json(200, { notifications: [note(2, false, 9), note(1, true, null)], unread: 4 });
  if (path === "/api/v1/notifications/1/read") return json(200, { ...note(1, true, null), read_at: "2026-12-05T02:00:00Z" });
  if (path === "/api/v1/notifications/2/read") return json(200, { ...note(2, true, 9), read_at: "2026-12-05T02:00:00Z" });
  if (path === "/api/v1/notifications/read" && method === "POST") return json(200, { count: 3 });
  if (path === "/api/v1/jobs/9") return json(200, { id: 9, revision: 3, status: "done", summary: { made: [{ original_item_id: 7, item_id: 8 }] } });
  if (path === "/api/v1/items/8") return json(200, { id: 8, folder_id: 5, title: "talk_normalized.mp4" });
  return json(404, { status: 404, code: "not_found", message: `no ${path}`, details: {} });
}

beforeEach(() => {
  sent.length = 0;
  paged = false;
  document.cookie = "cairn_csrf=csrf-123";
  vi.stubGlobal("fetch", async (request: Request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    sent.push({ method: request.method, path, csrf: request.headers.get("X-CSRF-Token") });
    return server(path, request.method, url.searchParams);
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderBell() {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <Bell />
    </QueryClientProvider>,
  );
}

describe("Bell", () => {
  it("says how many are unread, all of them and not only the page's", async () => {
    renderBell();
    expect(await screen.findByRole("button", { name: "Notifications, 4 unread" })).toBeTruthy();
  });

  it("lists notifications with links to the job, the folder and the new item; one marked read drops the count", async () => {
    renderBell();
    await userEvent.click(await screen.findByRole("button", { name: "Notifications, 4 unread" }));
    const list = screen.getByRole("region", { name: "Notifications" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(within(items[0]).getByRole("link", { name: "View job" }).getAttribute("href")).toBe("/jobs/9");
    expect(within(items[0]).getByRole("link", { name: "Open folder" }).getAttribute("href")).toBe("/files/5");
    const made = await within(items[0]).findByRole("link", { name: "Open talk_normalized.mp4" });
    expect(made.getAttribute("href")).toBe("/files/5?item=8");
    expect(within(items[1]).queryByRole("button", { name: "Mark read" })).toBeNull(); // already read
    await userEvent.click(within(items[0]).getByRole("button", { name: "Mark read" }));
    expect(await screen.findByRole("button", { name: "Notifications, 3 unread" })).toBeTruthy();
    expect(sent).toContainEqual({ method: "POST", path: "/api/v1/notifications/2/read", csrf: "csrf-123" });
  });

  it("marks all read", async () => {
    renderBell();
    await userEvent.click(await screen.findByRole("button", { name: "Notifications, 4 unread" }));
    await userEvent.click(screen.getByRole("button", { name: "Mark all read" }));
    expect(await screen.findByRole("button", { name: "Notifications, none unread" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Mark all read" })).toHaveProperty("disabled", true);
  });

  it("lists older notifications a page at a time; one of them marked read drops the count once", async () => {
    paged = true;
    renderBell();
    await userEvent.click(await screen.findByRole("button", { name: "Notifications, 4 unread" }));
    const list = screen.getByRole("region", { name: "Notifications" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    await userEvent.click(within(list).getByRole("button", { name: "Show older notifications" }));
    await screen.findByText("Job 1 done: 1 of 1 unit(s) done.");
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(within(list).queryByRole("button", { name: "Show older notifications" })).toBeNull(); // no more
    await userEvent.click(within(items[2]).getByRole("button", { name: "Mark read" }));
    expect(await screen.findByRole("button", { name: "Notifications, 3 unread" })).toBeTruthy();
    expect(within(items[2]).queryByRole("button", { name: "Mark read" })).toBeNull();
  });
});
