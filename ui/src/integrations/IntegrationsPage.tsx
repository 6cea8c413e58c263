// Integrations (organization admins: an integration decides where and as whom the server connects, so the API lets
// no one else add, change or remove one): the list; Add; Check (each access tried, with its verdict and reason);
// Edit (secrets write-only); Remove (refused by the API while files registered through it remain).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, api, unwrap, type User } from "../api/client";
import { ConfirmDialog, Dialog, Problem } from "../components/Dialog";
import { ListTable, PageTitle, RowAction } from "../components/ListPage";
import { formatDate } from "../format";
import { KINDS, type Kind } from "./fields";
import { IntegrationForm, type Integration } from "./IntegrationForm";

type Open = { dialog: "add" } | { dialog: "edit" | "check" | "remove"; integration: Integration } | null;

export function IntegrationsPage({ me }: { me: User }) {
  if (!me.is_org_admin)
    return (
      <main className="page" aria-labelledby="integrations-title">
        <h1 id="integrations-title">Integrations</h1>
        <p role="alert" className="caution">
          You may not manage integrations: only organization admins may add, check, edit or remove them, because an
          integration decides where and as whom the server connects. Ask an organization admin.
        </p>
      </main>
    );
  return <Integrations />;
}

function Integrations() {
  const integrations = useQuery({ queryKey: ["integrations"], queryFn: () => unwrap(api.GET("/api/v1/integrations")) });
  const [open, setOpen] = useState<Open>(null);
  const list = integrations.data?.integrations ?? [];
  const close = () => setOpen(null);
  return (
    <main className="page" aria-labelledby="integrations-title">
      <PageTitle id="integrations-title" title="Integrations" action="Add integration" onAction={() => setOpen({ dialog: "add" })} />
      <p className="muted">The buckets and directories files are registered from (Upload files › Import from private cloud).</p>
      <Problem error={integrations.error} />
      {list.length > 0 && (
        <ListTable label="Integrations" columns={["Name", "Kind", "Where", "Credentials", "Shared", "Added"]} actions>
          {list.map((i) => (
            <tr key={i.id}>
              <td>{i.name}</td>
              <td>{kindLabel(i.provider)}</td>
              <td className="break">{where(i)}</td>
              <td>{credentials(i)}</td>
              <td>{i.shared ? "Everyone" : "Admins and its owner"}</td>
              <td>{formatDate(i.created_at)}</td>
              <td className="right nowrap">
                {(["check", "edit", "remove"] as const).map((dialog) => (
                  <RowAction
                    key={dialog}
                    label={DIALOG_NAMES[dialog]}
                    of={i.name}
                    danger={dialog === "remove"}
                    onClick={() => setOpen({ dialog, integration: i })}
                  />
                ))}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      {integrations.isSuccess && list.length === 0 && (
        <p className="empty">No integrations yet: add one to import files from a bucket or a directory of the server.</p>
      )}
      {open?.dialog === "add" && <IntegrationForm onClose={close} />}
      {open?.dialog === "edit" && <IntegrationForm editing={open.integration} onClose={close} />}
      {open?.dialog === "check" && <CheckDialog integration={open.integration} onClose={close} />}
      {open?.dialog === "remove" && <RemoveDialog integration={open.integration} onClose={close} />}
    </main>
  );
}

const DIALOG_NAMES = { check: "Check", edit: "Edit", remove: "Remove" } as const;

function kindLabel(provider: string): string {
  return KINDS.find(([k]) => k === (provider as Kind))?.[1] ?? provider;
}

function where(i: Integration): string {
  const c = i.config as Record<string, string | null>;
  const prefix = c.prefix ? ` › ${c.prefix}` : "";
  if (i.provider === "local") return `${c.root ?? ""}${prefix}`;
  const at = c.endpoint ? ` at ${c.endpoint}` : "";
  return `${c.bucket ?? ""}${at}${prefix}`;
}

function credentials(i: Integration): string {
  const set = (i.config.credentials ?? []) as string[];
  if (i.provider === "local") return "—";
  if ((i.config.options as Record<string, string> | undefined)?.anonymous === "true") return "Anonymous";
  return set.length ? `Set: ${set.join(", ")}` : "The server's own identity";
}

interface Verdict {
  permission: string;
  ok: boolean;
  reason: string;
}

/** Check: list one page under the prefix (may the server see the objects?) and, for a key given, read its
 * metadata (may it read them?). Each try is a row: what was checked, its verdict, and the API's reason. */
function CheckDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const [verdicts, setVerdicts] = useState<Verdict[]>([]);
  const [key, setKey] = useState("");
  const check = useMutation({
    mutationFn: async (key: string | null): Promise<Verdict> => {
      const permission = key ? `Read an object (HEAD ${key})` : `List objects (LIST ${String(integration.config.prefix || "/")})`;
      try {
        const done = await unwrap(
          api.POST("/api/v1/integrations/{integration_id}/check", {
            params: { path: { integration_id: integration.id } },
            body: { key },
          }),
        );
        return { permission, ok: done.ok, reason: done.message };
      } catch (error) {
        if (!(error instanceof ApiError) || error.status === 0) throw error;
        return { permission, ok: false, reason: error.message };
      }
    },
    onSuccess: (verdict) => setVerdicts((v) => [...v, verdict]),
  });
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return; // once, also when an effect runs twice in development
    started.current = true;
    check.mutate(null);
  }, [check]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) check.mutate(key.trim());
  };
  return (
    <Dialog title={`Check ${integration.name}`} onClose={onClose} wide>
      <ListTable label="Checks" columns={["Permission", "Verdict", "Reason"]} className="results compact">
        {verdicts.map((v, n) => (
          <tr key={n}>
            <td>{v.permission}</td>
            <td>
              <span className={`status ${v.ok ? "status-ready" : "status-failed"}`}>{v.ok ? "Allowed" : "Failed"}</span>
            </td>
            <td className="break">{v.reason}</td>
          </tr>
        ))}
        {check.isPending && (
          <tr>
            <td colSpan={3} className="muted">
              Checking…
            </td>
          </tr>
        )}
      </ListTable>
      <Problem error={check.error} />
      <form className="inline-form" onSubmit={submit}>
        <label>
          Object key to read
          <input value={key} onChange={(e) => setKey(e.target.value)} placeholder="e.g. raw/frame-0001.jpg" />
        </label>
        <button type="submit" disabled={check.isPending || !key.trim()}>
          Check reading it
        </button>
      </form>
      <footer>
        <button type="button" onClick={onClose}>
          Done
        </button>
      </footer>
    </Dialog>
  );
}

const REMOVAL_RULE =
  "Files registered through it keep using it: it cannot be removed while any of them remains in cairn or a " +
  "registration job using it is unfinished — delete those files first. Removing it deletes its stored credentials; " +
  "the objects in the bucket or directory are not touched.";

/** The service's rule: an integration is removed only while no file registered through it remains and no
 * registration job using it is unfinished (otherwise the API refuses and says how many). */
function RemoveDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const queries = useQueryClient();
  const remove = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE("/api/v1/integrations/{integration_id}", { params: { path: { integration_id: integration.id } } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["integrations"] });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      title={`Remove ${integration.name}`}
      question={`Remove the integration ${integration.name}?`}
      caution={REMOVAL_RULE}
      action="Remove"
      error={remove.error}
      pending={remove.isPending}
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    />
  );
}
