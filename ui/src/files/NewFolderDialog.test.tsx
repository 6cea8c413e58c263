// The "New folder" dialog against a fake server (fetch answered in the test): what it sends, and that on a refusal
// it shows the API's own message and keeps what was typed.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, server, useFakeServer } from "../test/fakeServer";
import { NewFolderDialog } from "./NewFolderDialog";

useFakeServer();
const sent = server.sent;

function renderDialog(onClose = vi.fn(), onCreated = vi.fn()) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <NewFolderDialog parentId={7} onClose={onClose} onCreated={onCreated} />
    </QueryClientProvider>,
  );
  return { onClose, onCreated };
}

describe("NewFolderDialog", () => {
  it("is a labelled dialog with the name field focused", () => {
    renderDialog();
    expect(screen.getByRole("dialog", { name: "New folder" })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Name"));
  });

  it("creates the folder under its parent, with the CSRF header, then closes", async () => {
    server.answer = () => json(201, { id: 8, name: "front", parent_id: 7 });
    const { onClose, onCreated } = renderDialog();
    await userEvent.type(screen.getByLabelText("Name"), "front");
    await userEvent.type(screen.getByLabelText("Description"), "front cameras");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([
      {
        method: "POST",
        url: expect.stringMatching(/\/api\/v1\/folders$/),
        body: { name: "front", description: "front cameras", parent_id: 7 },
        csrf: "csrf-123",
      },
    ]);
    expect(onCreated).toHaveBeenCalledWith(expect.objectContaining({ id: 8 }));
  });

  it("shows the API's message on a refusal and keeps what was typed", async () => {
    const message = "a folder named 'front' already exists here";
    server.answer = () => json(409, { status: 409, code: "already_exists", message, details: {} });
    const { onClose } = renderDialog();
    await userEvent.type(screen.getByLabelText("Name"), "front");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    expect((await screen.findByRole("alert")).textContent).toBe(message);
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("front");
    expect(onClose).not.toHaveBeenCalled();
  });

  it("closes on Escape without sending anything", async () => {
    const { onClose } = renderDialog();
    await userEvent.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
    expect(sent).toEqual([]);
  });
});
