// "Import from private cloud" with no integration to import from: an organization admin is sent to the
// Integrations page, anyone else is told to ask one.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { json, server, useFakeServer } from "../test/fakeServer";
import { CloudImport } from "./CloudImport";

useFakeServer();

function renderAs(isOrgAdmin: boolean) {
  server.answer = () => json(200, { integrations: [] });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  queries.setQueryData(["me"], { id: 2, email: "x@example.com", name: "x", is_active: true, is_org_admin: isOrgAdmin, created_at: "" });
  render(
    <QueryClientProvider client={queries}>
      <CloudImport folderId={3} />
    </QueryClientProvider>,
  );
}

describe("CloudImport without an integration", () => {
  it("links an organization admin to the Integrations page", async () => {
    renderAs(true);
    const link = await screen.findByRole("link", { name: "add one on the Integrations page" });
    expect(link.getAttribute("href")).toBe("/integrations");
    expect(server.sent.map((s) => s.url)).toEqual([expect.stringMatching(/\/api\/v1\/integrations$/)]);
  });

  it("tells anyone else to ask an organization admin", async () => {
    renderAs(false);
    expect(await screen.findByText(/ask an organization admin to add one/)).toBeTruthy();
    expect(screen.queryByRole("link")).toBeNull();
  });
});
