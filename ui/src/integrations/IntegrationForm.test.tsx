// The integration form against a fake server (fetch answered in the test): its fields follow the kind, it sends
// only the chosen kind's fields, it puts the API's located problems next to their fields, and an edit never shows a
// secret and sends none unless one is typed.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, server, useFakeServer } from "../test/fakeServer";
import { IntegrationForm, type Integration } from "./IntegrationForm";

useFakeServer();
const sent = server.sent;

function renderForm(editing?: Integration, onClose = vi.fn()) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <IntegrationForm editing={editing} onClose={onClose} />
    </QueryClientProvider>,
  );
  return { onClose };
}

const labels = () => [...document.querySelectorAll("label")].map((l) => l.textContent?.trim());

describe("IntegrationForm", () => {
  it("shows the fields of the chosen kind only", async () => {
    renderForm();
    expect(screen.getByRole("dialog", { name: "Add integration" })).toBeTruthy();
    expect(labels()).toEqual(
      expect.arrayContaining(["Bucket", "Region", "Multi-Region Access Point", "Access key ID", "Secret access key"]),
    );
    expect(screen.queryByLabelText("Endpoint")).toBeNull();
    const kind = screen.getByLabelText("Kind");
    await userEvent.selectOptions(kind, "s3_compatible");
    expect(screen.getByLabelText(/^Endpoint/)).toBeTruthy();
    expect(screen.queryByLabelText("Multi-Region Access Point")).toBeNull();
    await userEvent.selectOptions(kind, "gcs");
    expect(screen.getByLabelText("Service account key (JSON)").tagName).toBe("TEXTAREA");
    expect(screen.queryByLabelText("Secret access key")).toBeNull();
    await userEvent.selectOptions(kind, "azure");
    expect(screen.getByLabelText(/^Storage account/)).toBeTruthy();
    expect(screen.getByLabelText(/^Container/)).toBeTruthy();
    expect(screen.getByLabelText("SAS token")).toBeTruthy();
    await userEvent.selectOptions(kind, "local");
    expect(screen.getByLabelText(/^Directory on the server/)).toBeTruthy();
    expect(screen.queryByLabelText(/^Bucket/)).toBeNull();
    expect(screen.queryByLabelText(/Anonymous/)).toBeNull();
  });

  it("sends only the chosen kind's fields; secrets are password fields", async () => {
    server.answer = () => json(201, {});
    const { onClose } = renderForm();
    await userEvent.type(screen.getByLabelText(/^Name/), "lake");
    await userEvent.type(screen.getByLabelText(/^Bucket/), "media");
    await userEvent.type(screen.getByLabelText("Multi-Region Access Point"), "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap");
    expect((screen.getByLabelText("Secret access key") as HTMLInputElement).type).toBe("password");
    await userEvent.type(screen.getByLabelText("Access key ID"), "AKIA");
    await userEvent.type(screen.getByLabelText("Secret access key"), "s3cret");
    await userEvent.selectOptions(screen.getByLabelText("Kind"), "local");
    await userEvent.type(screen.getByLabelText(/^Directory on the server/), "/srv/media");
    await userEvent.selectOptions(screen.getByLabelText("Kind"), "s3"); // back: nothing typed was lost
    expect((screen.getByLabelText(/^Bucket/) as HTMLInputElement).value).toBe("media");
    await userEvent.click(screen.getByRole("button", { name: "Add" }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([
      {
        method: "POST",
        url: expect.stringMatching(/\/api\/v1\/integrations$/),
        body: {
          name: "lake",
          provider: "s3",
          shared: false,
          bucket: "media",
          prefix: "",
          options: { multi_region_access_point: "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap" },
          credentials: { access_key_id: "AKIA", secret_access_key: "s3cret" },
        },
        csrf: "csrf-123",
      },
    ]);
  });

  it("puts each located problem next to its field and keeps what was typed", async () => {
    const problems = [
      { location: "endpoint", field: "endpoint", message: "required for provider s3_compatible" },
      { location: "options.anonymous", field: "options.anonymous", message: "must be 'true' or 'false'" },
      { location: "body/credentials/access_key_id", message: "Input should be a valid string" },
      { location: "somewhere", field: "unknown", message: "not a field of this form" },
    ];
    server.answer = () => json(422, { status: 422, code: "invalid_input", message: "invalid storage integration", details: { problems } });
    const { onClose } = renderForm();
    await userEvent.selectOptions(screen.getByLabelText("Kind"), "s3_compatible");
    await userEvent.type(screen.getByLabelText(/^Name/), "minio");
    await userEvent.type(screen.getByLabelText(/^Bucket/), "media");
    await userEvent.click(screen.getByRole("button", { name: "Add" }));
    const endpoint = await screen.findByLabelText(/^Endpoint/, {}, { timeout: 2000 });
    await vi.waitFor(() => expect(endpoint.getAttribute("aria-invalid")).toBe("true"));
    expect(endpoint.getAttribute("aria-describedby")).toBeTruthy();
    const described = endpoint.getAttribute("aria-describedby")!.split(" ").map((id) => document.getElementById(id)?.textContent);
    expect(described).toContain("required for provider s3_compatible");
    expect(screen.getByLabelText("Access key ID").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("must be 'true' or 'false'")).toBeTruthy();
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("invalid storage integration");
    expect(alert.textContent).toContain("unknown: not a field of this form");
    expect((screen.getByLabelText(/^Bucket/) as HTMLInputElement).value).toBe("media");
    expect(onClose).not.toHaveBeenCalled();
  });

  it("edits without showing a secret, and sends none unless one is typed", async () => {
    server.answer = () => json(200, {});
    const editing = {
      id: 4,
      name: "lake",
      provider: "s3_compatible",
      shared: false,
      owner_id: 1,
      created_at: "2026-01-01T00:00:00Z",
      edited_at: "2026-01-01T00:00:00Z",
      config: {
        provider: "s3_compatible",
        bucket: "media",
        region: null,
        endpoint: "https://s3.example.com",
        root: null,
        prefix: "raw/",
        credentials: ["access_key_id", "secret_access_key"],
        options: { virtual_hosted_style: "true" },
      },
    } satisfies Integration;
    const { onClose } = renderForm(editing);
    expect(screen.getByRole("dialog", { name: "Edit integration lake" })).toBeTruthy();
    const secret = screen.getByLabelText("Secret access key") as HTMLInputElement;
    expect(secret.value).toBe("");
    expect(secret.placeholder).toBe("leave blank to keep");
    expect((screen.getByLabelText(/^Endpoint/) as HTMLInputElement).readOnly).toBe(true);
    expect((screen.getByLabelText(/Virtual-hosted-style/) as HTMLInputElement).checked).toBe(true);
    await userEvent.clear(screen.getByLabelText("Prefix"));
    await userEvent.type(screen.getByLabelText("Prefix"), "cooked/");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent[0]).toEqual({
      method: "PATCH",
      url: expect.stringMatching(/\/api\/v1\/integrations\/4$/),
      body: { name: "lake", shared: false, prefix: "cooked/", options: { virtual_hosted_style: "true" } },
      csrf: "csrf-123",
    });
  });

  it("replaces the credentials only with what is typed", async () => {
    server.answer = () => json(200, {});
    const editing = {
      id: 5,
      name: "blobs",
      provider: "azure",
      shared: true,
      owner_id: 1,
      created_at: "2026-01-01T00:00:00Z",
      edited_at: "2026-01-01T00:00:00Z",
      config: { provider: "azure", bucket: "media", prefix: "", credentials: ["account_key"], options: { account_name: "acct" } },
    } satisfies Integration;
    const { onClose } = renderForm(editing);
    await userEvent.type(screen.getByLabelText("SAS token"), "sv=2024&sig=x");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent[0].body).toEqual({
      name: "blobs",
      shared: true,
      prefix: "",
      options: { account_name: "acct" },
      credentials: { sas_token: "sv=2024&sig=x" },
    });
  });
});
