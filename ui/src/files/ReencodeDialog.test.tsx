// The Re-encode dialog against a fake server (fetch answered in the test): the plan of each video for the mode
// chosen, "nothing to fix", what starting it sends, and the API's message on a refusal.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Folder, Item } from "../api/client";
import { ReencodeDialog, type Whole } from "./ReencodeDialog";

const sent: { method: string; url: string; body: unknown }[] = [];
let answer: (url: URL, method: string) => Response;

beforeEach(() => {
  sent.length = 0;
  document.cookie = "cairn_csrf=csrf-123";
  vi.stubGlobal("fetch", async (request: Request) => {
    const body = request.method === "POST" ? await request.clone().json() : null;
    sent.push({ method: request.method, url: request.url, body });
    return answer(new URL(request.url), request.method);
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const video = (id: number, title: string) => ({ id, title, kind: "video" }) as Item;

function plan(url: URL): Response {
  const id = Number(url.pathname.split("/")[4]);
  const mode = url.searchParams.get("mode");
  if (id === 2) return json(200, { item_id: 2, mode, needed: false, encode: false, container: "mp4", steps: [] });
  const steps =
    mode === "full"
      ? [{ step: "h264", reason: "full re-encode: every frame encoded again" }]
      : [{ step: "drop_audio", reason: "1 audio stream(s) dropped" }];
  return json(200, { item_id: id, mode, needed: true, encode: mode === "full", container: "mp4", steps });
}

function renderDialog(videos: Item[], onClose = vi.fn(), whole: Whole | null = null) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <ReencodeDialog videos={videos} whole={whole} onClose={onClose} />
    </QueryClientProvider>,
  );
  return onClose;
}

describe("ReencodeDialog", () => {
  it("shows each video's plan with its reasons, for the mode chosen, and nothing to fix", async () => {
    answer = (url) => plan(url);
    renderDialog([video(1, "talk.mp4"), video(2, "clean.mp4")]);
    const talk = await screen.findByRole("listitem", { name: "Plan for talk.mp4" });
    expect((await within(talk).findByText(/1 audio stream/)).textContent).toContain("dropped");
    expect(within(talk).getByText(/Video packets copied/)).toBeTruthy();
    const clean = screen.getByRole("listitem", { name: "Plan for clean.mp4" });
    expect((await within(clean).findByText(/Nothing to fix/)).textContent).toContain("skipped");
    await userEvent.click(screen.getByRole("radio", { name: /^Full/ }));
    const full = await screen.findByRole("listitem", { name: "Plan for talk.mp4" });
    expect((await within(full).findByText(/every frame encoded again/)).textContent).toBeTruthy();
    expect(sent.map((s) => new URL(s.url).search)).toContain("?mode=full");
  });

  it("starts one job for the videos in the mode chosen, then offers to follow it", async () => {
    answer = (url, method) =>
      method === "POST" ? json(201, { id: 41, title: "Re-encode (full) of 2 videos" }) : plan(url);
    renderDialog([video(1, "talk.mp4"), video(3, "more.mp4")]);
    await userEvent.click(screen.getByRole("radio", { name: /^Full/ }));
    await userEvent.click(screen.getByRole("button", { name: "Start re-encode" }));
    expect((await screen.findByRole("status")).textContent).toContain("Re-encode (full) of 2 videos");
    expect(screen.getByRole("button", { name: "Follow it in Jobs" })).toBeTruthy();
    const posts = sent.filter((s) => s.method === "POST");
    expect(posts).toEqual([
      { method: "POST", url: expect.stringMatching(/\/api\/v1\/reencode$/), body: { item_ids: [1, 3], mode: "full", destination: null } },
    ]);
  });

  it("shows the API's message when it refuses, and stays open", async () => {
    const message = "you need the editor role on folder 'Interviews' to re-encode its files";
    answer = (url, method) =>
      method === "POST" ? json(403, { status: 403, code: "permission_denied", message, details: {} }) : plan(url);
    const onClose = renderDialog([video(1, "talk.mp4")]);
    await userEvent.click(screen.getByRole("button", { name: "Start re-encode" }));
    expect((await screen.findByRole("alert")).textContent).toBe(message);
    expect(screen.getByRole("radio", { name: /^Auto/ })).toHaveProperty("checked", true);
    expect(onClose).not.toHaveBeenCalled();
  });

  it("re-encodes a whole folder as one job, into the destination chosen, asking for no plan", async () => {
    answer = () => json(201, { id: 42, title: "Re-encode (auto) of folder Interviews" });
    const folder = { id: 7, name: "Interviews" } as Folder;
    renderDialog([], vi.fn(), { kind: "folder", folder });
    expect(screen.getByLabelText("What is re-encoded").textContent).toContain("folder “Interviews” and its sub-folders");
    await userEvent.click(screen.getByRole("radio", { name: "cairn's managed storage" }));
    await userEvent.click(screen.getByRole("button", { name: "Start re-encode" }));
    expect((await screen.findByRole("status")).textContent).toContain("of folder Interviews");
    expect(sent).toEqual([
      {
        method: "POST",
        url: expect.stringMatching(/\/api\/v1\/reencode$/),
        body: { item_ids: [], folder_id: 7, mode: "auto", destination: "managed" },
      },
    ]);
  });

  it("shows a missing bucket permission under the destination chosen, and keeps every choice", async () => {
    const message = "the integration's credentials lack Write (Microsoft.Storage/.../write) on clips/";
    answer = (url, method) =>
      method === "POST"
        ? json(403, { status: 403, code: "storage_access_denied", message, details: { permission: "Write" } })
        : plan(url);
    renderDialog([video(1, "talk.mp4")]);
    await userEvent.click(screen.getByRole("radio", { name: /^Full/ }));
    await userEvent.click(screen.getByRole("radio", { name: "Next to the original in its bucket" }));
    await userEvent.click(screen.getByRole("button", { name: "Start re-encode" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(message);
    const where = screen.getByRole("group", { name: "Where the results go" });
    expect(where.contains(alert)).toBe(true);
    expect(screen.getByRole("radio", { name: "Next to the original in its bucket" })).toHaveProperty("checked", true);
    expect(screen.getByRole("radio", { name: /^Full/ })).toHaveProperty("checked", true);
  });
});
