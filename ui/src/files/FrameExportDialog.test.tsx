// Export frames and Build video against a fake server: what each choice sends, the started job, and the API's
// message next to its cause with every choice kept.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import type { Item } from "../api/client";
import { json, server, useFakeServer } from "../test/fakeServer";
import { BuildVideoDialog } from "./BuildVideoDialog";
import { FrameExportDialog } from "./FrameExportDialog";

useFakeServer();

function renderIn(dialog: ReactNode) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(<QueryClientProvider client={queries}>{dialog}</QueryClientProvider>);
}

const video = { id: 4, title: "drive.mp4", kind: "video" } as Item;

describe("FrameExportDialog", () => {
  it("sends a range, every Nth frame, JPEG, as an image sequence, then offers to follow the job", async () => {
    server.answer = () => json(201, { id: 12, title: "Frames of drive.mp4" });
    renderIn(<FrameExportDialog video={video} onClose={vi.fn()} />);
    await userEvent.click(screen.getByRole("radio", { name: "A range of frames" }));
    await userEvent.clear(screen.getByLabelText("From frame"));
    await userEvent.type(screen.getByLabelText("From frame"), "10");
    await userEvent.type(screen.getByLabelText(/^Up to/), "50");
    await userEvent.clear(screen.getByLabelText("Every Nth frame"));
    await userEvent.type(screen.getByLabelText("Every Nth frame"), "5");
    await userEvent.click(screen.getByRole("radio", { name: "JPEG" }));
    await userEvent.click(screen.getByRole("radio", { name: /^An image sequence/ }));
    await userEvent.click(screen.getByRole("button", { name: "Export frames" }));
    expect((await screen.findByRole("status")).textContent).toContain("Export frames started: Frames of drive.mp4");
    expect(screen.getByRole("button", { name: "Follow it in Jobs" })).toBeTruthy();
    expect(server.sent).toEqual([
      {
        method: "POST",
        url: expect.stringMatching(/\/api\/v1\/items\/4\/frame-export$/),
        csrf: "csrf-123",
        body: {
          start: 10,
          stop: 50,
          every: 5,
          key_frames: false,
          client_metadata_key_frames: false,
          format: "jpeg",
          as: "sequence",
          destination: "managed",
        },
      },
    ]);
  });

  it("sends key frames only, or the client metadata's, and shows the API's refusal keeping the choices", async () => {
    const message = "item 4 has no clientMetadata.keyframes to export";
    server.answer = () => json(422, { status: 422, code: "invalid_input", message, details: {} });
    renderIn(<FrameExportDialog video={video} onClose={vi.fn()} />);
    await userEvent.click(screen.getByRole("checkbox", { name: "Key frames only" }));
    await userEvent.click(screen.getByRole("button", { name: "Export frames" }));
    expect((await screen.findByRole("alert")).textContent).toBe(message);
    expect(server.sent[0].body).toMatchObject({ start: 0, stop: null, every: 1, key_frames: true, format: "png", as: null });
    await userEvent.click(screen.getByRole("radio", { name: /client metadata/ }));
    await userEvent.click(screen.getByRole("button", { name: "Export frames" }));
    expect(server.sent[1].body).toMatchObject({ key_frames: false, client_metadata_key_frames: true });
    expect(screen.getByRole("radio", { name: /client metadata/ })).toHaveProperty("checked", true);
  });
});

describe("BuildVideoDialog", () => {
  it("builds the sequences' videos at the rate and into the destination chosen", async () => {
    server.answer = () => json(201, { id: 13, title: "Video of 2 sequences" });
    const sequences = [{ id: 8, title: "walk" }, { id: 9, title: "run" }] as Item[];
    renderIn(<BuildVideoDialog sequences={sequences} onClose={vi.fn()} />);
    await userEvent.clear(screen.getByLabelText(/^Frame rate/));
    await userEvent.type(screen.getByLabelText(/^Frame rate/), "12");
    await userEvent.click(screen.getByRole("radio", { name: "cairn's managed storage" }));
    await userEvent.click(screen.getByRole("button", { name: "Build video" }));
    expect((await screen.findByRole("status")).textContent).toContain("Build video started");
    expect(server.sent[0].body).toEqual({ item_ids: [8, 9], fps: "12", destination: "managed" });
  });

  it("shows the refusal of a bucket destination under the destination choice", async () => {
    const message = "item 8 (walk) was uploaded into cairn and has no bucket: choose destination managed";
    server.answer = () => json(422, { status: 422, code: "invalid_input", message, details: { field: "destination" } });
    renderIn(<BuildVideoDialog sequences={[{ id: 8, title: "walk" } as Item]} onClose={vi.fn()} />);
    await userEvent.click(screen.getByRole("radio", { name: "Next to the original in its bucket" }));
    await userEvent.click(screen.getByRole("button", { name: "Build video" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(message);
    expect(screen.getByRole("group", { name: "Where the results go" }).contains(alert)).toBe(true);
  });
});
