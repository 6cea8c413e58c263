// People (organization admins): every user; Invite (email → a one-time link to hand over), reset a password (a new
// link; their sessions end), deactivate or reactivate an account. The API's message is shown next to its cause.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type Schemas, type User } from "../api/client";
import { Problem } from "../components/Dialog";
import { ListTable, RowAction } from "../components/ListPage";
import { ShownOnce } from "../components/ShownOnce";
import { formatDate } from "../format";

type Link = Schemas["PasswordLinkPublic"];

export function PeoplePage({ me }: { me: User }) {
  const queries = useQueryClient();
  const users = useQuery({ queryKey: ["users"], queryFn: () => unwrap(api.GET("/api/v1/users")) });
  const [link, setLink] = useState<Link | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ["users"] });
  const reset = useMutation({
    mutationFn: (id: number) =>
      unwrap(api.POST("/api/v1/users/{user_id}/password-reset", { params: { path: { user_id: id } } })),
    onSuccess: (made) => (setLink(made), refresh()),
  });
  const activate = useMutation({
    mutationFn: ({ id, active }: { id: number; active: boolean }) =>
      unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body: { active } })),
    onSuccess: refresh,
  });
  return (
    <main className="page" aria-labelledby="people-title">
      <h1 id="people-title">People</h1>
      <InviteForm onInvited={(made) => (setLink(made), refresh())} />
      {link && (
        <ShownOnce
          label={`${link.purpose === "invite" ? "Invitation" : "Password reset"} link for ${link.user.email}`}
          value={link.url}
          note={`Hand it to them: it works once, until ${formatDate(link.expires_at)}.`}
        />
      )}
      <Problem error={users.error ?? reset.error ?? activate.error} />
      <ListTable label="People" columns={["Name", "Email", "Role", "Status", "Since"]} actions>
        {users.data?.users.map((u) => (
          <tr key={u.id}>
            <td>{u.name || "—"}</td>
            <td>{u.email}</td>
            <td>{u.is_org_admin ? "Organization admin" : "Member"}</td>
            <td>
              <span className={`status ${u.is_active ? "status-ready" : "status-failed"}`}>
                {u.is_active ? "Active" : "Deactivated"}
              </span>
            </td>
            <td>{formatDate(u.created_at)}</td>
            <td className="right nowrap">
              <RowAction label="Reset password" of={`of ${u.email}`} onClick={() => reset.mutate(u.id)} />
              {u.id !== me.id && (
                <RowAction
                  label={u.is_active ? "Deactivate" : "Reactivate"}
                  of={u.email}
                  danger
                  onClick={() => activate.mutate({ id: u.id, active: !u.is_active })}
                />
              )}
            </td>
          </tr>
        ))}
      </ListTable>
    </main>
  );
}

function InviteForm({ onInvited }: { onInvited: (link: Link) => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [admin, setAdmin] = useState(false);
  const invite = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/users/invitations", { body: { email, name, org_admin: admin } })),
    onSuccess: (made) => (setEmail(""), setName(""), setAdmin(false), onInvited(made)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <form onSubmit={submit} className="inline-form">
        <label>
          Email
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="toggle">
          <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
          Organization admin
        </label>
        <button type="submit" className="primary" disabled={invite.isPending}>
          Invite
        </button>
      </form>
      <Problem error={invite.error} />
    </section>
  );
}
