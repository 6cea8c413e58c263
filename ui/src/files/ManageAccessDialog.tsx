// "Manage access" on a folder (seed 002): Invite (a role, users' emails, Add) and Manage (change a role from a
// dropdown, remove). An admin's grant is changed by organization admins only: for others its controls are disabled
// and say why; whatever the API refuses is shown with its message next to the user it concerns.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { api, unwrap, type Folder, type Schemas, type User } from "../api/client";
import { Dialog, Problem } from "../components/Dialog";
import { Tabs } from "../components/Tabs";

type Role = Schemas["GrantCreate"]["role"];
type Grant = Schemas["GrantPublic"];
const ROLES: readonly (readonly [Role, string])[] = [
  ["viewer", "Viewer"],
  ["editor", "Editor"],
  ["admin", "Admin"],
];
const TABS = [
  ["invite", "Invite"],
  ["manage", "Manage"],
] as const;

export function ManageAccessDialog({ folder, me, onClose }: { folder: Folder; me: User; onClose: () => void }) {
  const [tab, setTab] = useState<"invite" | "manage">("invite");
  return (
    <Dialog title={`Manage access: ${folder.name}`} onClose={onClose}>
      <Tabs
        label="Manage access"
        tabs={TABS}
        chosen={tab}
        onChoose={setTab}
        panels={{ invite: <Invite folder={folder} />, manage: <Manage folder={folder} me={me} /> }}
      />
      <footer>
        <button type="button" onClick={onClose}>
          Done
        </button>
      </footer>
    </Dialog>
  );
}

function useGrants(folderId: number) {
  return useQuery({
    queryKey: ["grants", folderId],
    queryFn: () => unwrap(api.GET("/api/v1/folders/{folder_id}/access", { params: { path: { folder_id: folderId } } })),
  });
}

function Invite({ folder }: { folder: Folder }) {
  const id = useId();
  const queries = useQueryClient();
  const [role, setRole] = useState<Role>("viewer");
  const [typed, setTyped] = useState("");
  const [emails, setEmails] = useState<string[]>([]);
  const [failures, setFailures] = useState<[string, string][]>([]);
  const [added, setAdded] = useState<string[]>([]);
  const users = useQuery({ queryKey: ["users"], queryFn: () => unwrap(api.GET("/api/v1/users")) });
  const choose = () => {
    const email = typed.trim();
    if (email && !emails.includes(email)) setEmails([...emails, email]);
    setTyped("");
  };
  const add = useMutation({
    mutationFn: async (all: string[]) => {
      const tried = await Promise.allSettled(
        all.map((email) =>
          unwrap(
            api.POST("/api/v1/folders/{folder_id}/access", {
              params: { path: { folder_id: folder.id } },
              body: { email, role },
            }),
          ),
        ),
      );
      return all.map((email, i) => [email, tried[i]] as const);
    },
    onSuccess: (tried) => {
      const failed = tried.flatMap(([email, t]) => (t.status === "rejected" ? [[email, (t.reason as Error).message] as [string, string]] : []));
      setFailures(failed);
      setAdded(tried.filter(([, t]) => t.status === "fulfilled").map(([email]) => email));
      setEmails(failed.map(([email]) => email)); // the refused stay chosen, to fix or remove
      void queries.invalidateQueries({ queryKey: ["grants", folder.id] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const all = typed.trim() && !emails.includes(typed.trim()) ? [...emails, typed.trim()] : emails;
    setTyped("");
    setEmails(all);
    if (all.length) add.mutate(all);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if ((e.key === "," || e.key === " ") && typed.trim()) (e.preventDefault(), choose());
  };
  return (
    <form onSubmit={submit}>
      <label htmlFor={`${id}-role`}>Role</label>
      <select id={`${id}-role`} className="field" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map(([value, name]) => (
            <option key={value} value={value}>
              {name}
            </option>
          ))}
      </select>
      <label>
        Users' emails
        <input
          type="text"
          list="organization-users"
          autoComplete="off"
          placeholder="Type an email; a comma or space adds another"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={onKey}
        />
      </label>
      <datalist id="organization-users">
        {users.data?.users.filter((u) => u.is_active).map((u) => <option key={u.id} value={u.email}>{u.name}</option>)}
      </datalist>
      {emails.length > 0 && (
        <ul className="chips" aria-label="Chosen users">
          {emails.map((email) => (
            <li key={email}>
              {email}
              <button type="button" className="quiet" aria-label={`Do not add ${email}`} onClick={() => setEmails(emails.filter((e) => e !== email))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {failures.map(([email, message]) => (
        <p key={email} role="alert" className="error">
          {email}: {message}
        </p>
      ))}
      {added.length > 0 && <p className="done">Added {added.join(", ")}.</p>}
      <footer>
        <button type="submit" className="primary" disabled={add.isPending}>
          Add
        </button>
      </footer>
    </form>
  );
}

function Manage({ folder, me }: { folder: Folder; me: User }) {
  const queries = useQueryClient();
  const grants = useGrants(folder.id);
  const [failure, setFailure] = useState<[string, string] | null>(null);
  const done = { onSuccess: () => (setFailure(null), queries.invalidateQueries({ queryKey: ["grants", folder.id] })) };
  const change = useMutation({
    mutationFn: ({ email, role }: { email: string; role: Role }) =>
      unwrap(api.PUT("/api/v1/folders/{folder_id}/access/{email}", { params: { path: { folder_id: folder.id, email } }, body: { role } })),
    onError: (error, { email }) => setFailure([email, error.message]),
    ...done,
  });
  const remove = useMutation({
    mutationFn: (email: string) =>
      unwrap(api.DELETE("/api/v1/folders/{folder_id}/access/{email}", { params: { path: { folder_id: folder.id, email } } })),
    onError: (error, email) => setFailure([email, error.message]),
    ...done,
  });
  if (grants.error) return <Problem error={grants.error} />;
  const list = grants.data?.grants ?? [];
  return (
    <ul className="grants" aria-label="People with access">
      {list.length === 0 && <li className="muted">No one has a role granted on this folder itself.</li>}
      {list.map((g) => (
        <GrantRow
          key={g.user_id}
          grant={g}
          locked={g.role === "admin" && !me.is_org_admin}
          failure={failure?.[0] === g.user_email ? failure[1] : null}
          onRole={(role) => change.mutate({ email: g.user_email, role })}
          onRemove={() => remove.mutate(g.user_email)}
        />
      ))}
    </ul>
  );
}

function GrantRow({
  grant,
  locked,
  failure,
  onRole,
  onRemove,
}: {
  grant: Grant;
  locked: boolean;
  failure: string | null;
  onRole: (role: Role) => void;
  onRemove: () => void;
}) {
  const reason = `${grant.user_email} is an admin of this folder: only organization admins may change or remove an admin.`;
  return (
    <li>
      <div className="grant">
        <span className="grant-who">
          <strong>{grant.user_name || grant.user_email}</strong>
          <span className="muted">{grant.user_email}</span>
        </span>
        <select
          aria-label={`Role of ${grant.user_email}`}
          value={grant.role}
          disabled={locked}
          title={locked ? reason : undefined}
          onChange={(e) => onRole(e.target.value as Role)}
        >
          {ROLES.map(([value, name]) => (
            <option key={value} value={value}>
              {name}
            </option>
          ))}
        </select>
        <button type="button" className="quiet danger-text" disabled={locked} title={locked ? reason : undefined} aria-label={`Remove ${grant.user_email}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      {locked && <p className="muted small">{reason}</p>}
      {failure && (
        <p role="alert" className="error">
          {failure}
        </p>
      )}
    </li>
  );
}
