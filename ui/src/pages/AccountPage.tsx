// Your account: change your password, your web sessions (end one, log out everywhere) and your API tokens (make one,
// its secret shown once; revoke). Every refusal shows the API's message next to what caused it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type Schemas, type User } from "../api/client";
import { Problem } from "../components/Dialog";
import { ShownOnce } from "../components/ShownOnce";
import { formatDate } from "../format";

type Token = Schemas["TokenPublic"];

export function AccountPage({ user }: { user: User }) {
  return (
    <main className="page" aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <p className="muted">
        {user.name ? `${user.name} · ` : ""}
        {user.email}
        {user.is_org_admin ? " · organization admin" : ""}
      </p>
      <PasswordForm />
      <Sessions />
      <Tokens />
    </main>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const queries = useQueryClient();
  const change = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/users/me/password", { body: { current_password: current, new_password: next } })),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      void queries.invalidateQueries({ queryKey: ["sessions"] }); // the other sessions ended
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={submit} className="narrow">
        <label>
          Current password
          <input
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          New password
          <input type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <Problem error={change.error} />
        {change.isSuccess && <p className="done">Password changed; your other sessions ended.</p>}
        <button type="submit" className="primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
    </section>
  );
}

function Sessions() {
  const queries = useQueryClient();
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: () => unwrap(api.GET("/api/v1/auth/sessions")) });
  const end = useMutation({
    mutationFn: (id: number) =>
      unwrap(api.DELETE("/api/v1/auth/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["sessions"] }),
  });
  const others = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/auth/sessions", { params: { query: { keep_current: true } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["sessions"] }),
  });
  const everywhere = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/auth/sessions", { params: { query: { keep_current: false } } })),
    onSuccess: () => location.assign("/files"), // this session ended too: a new page, nothing kept in memory
  });
  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="title-row">
        <h2 id="sessions-title">Sessions</h2>
        <div className="actions">
          <button type="button" onClick={() => others.mutate()} disabled={others.isPending}>
            End other sessions
          </button>
          <button type="button" className="danger-text" onClick={() => everywhere.mutate()} disabled={everywhere.isPending}>
            Log out everywhere
          </button>
        </div>
      </div>
      <Problem error={sessions.error ?? end.error ?? others.error ?? everywhere.error} />
      <table className="results" aria-label="Sessions">
        <thead>
          <tr>
            <th>Browser</th>
            <th>Signed in with</th>
            <th>Started</th>
            <th>Last used</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.data?.sessions.map((s) => (
            <tr key={s.id}>
              <td className="break">{s.user_agent ?? "unknown"}</td>
              <td>{s.token_name ? `API token “${s.token_name}”` : "password"}</td>
              <td>{formatDate(s.created_at)}</td>
              <td>{s.last_used_at ? formatDate(s.last_used_at) : "—"}</td>
              <td className="right">
                {s.current ? (
                  <span className="badge">This session</span>
                ) : (
                  <button type="button" className="quiet" onClick={() => end.mutate(s.id)}>
                    End session
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Tokens() {
  const queries = useQueryClient();
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: () => unwrap(api.GET("/api/v1/tokens")) });
  const refresh = () => queries.invalidateQueries({ queryKey: ["tokens"] });
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/tokens", { body: { name, expires_in_days: days ? Number(days) : null } }),
      ),
    onSuccess: () => (setName(""), setDays(""), refresh()),
  });
  const revoke = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/api/v1/tokens/{token_id}", { params: { path: { token_id: id } } })),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section className="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p className="muted">For scripts, the Python client and the CLI against a server. A token acts as you.</p>
      <form onSubmit={submit} className="inline-form">
        <label>
          Token name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="laptop, CI…" />
        </label>
        <label>
          Expires in days
          <input type="number" min={1} value={days} onChange={(e) => setDays(e.target.value)} placeholder="never" />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <Problem error={create.error} />
      {create.data && <ShownOnce label="New API token" value={create.data.secret} note="Copy it now: it is shown once." />}
      <Problem error={tokens.error ?? revoke.error} />
      <table className="results" aria-label="API tokens">
        <thead>
          <tr>
            <th>Name</th>
            <th>Starts with</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.data?.tokens.map((t) => <TokenRow key={t.id} token={t} onRevoke={() => revoke.mutate(t.id)} />)}
        </tbody>
      </table>
    </section>
  );
}

function TokenRow({ token, onRevoke }: { token: Token; onRevoke: () => void }) {
  return (
    <tr>
      <td>{token.name}</td>
      <td>
        <code>{token.prefix}…</code>
      </td>
      <td>{formatDate(token.created_at)}</td>
      <td>{token.expires_at ? formatDate(token.expires_at) : "never"}</td>
      <td>{token.last_used_at ? formatDate(token.last_used_at) : "—"}</td>
      <td className="right">
        {token.revoked_at ? (
          <span className="badge">Revoked</span>
        ) : (
          <button type="button" className="quiet danger-text" onClick={onRevoke} aria-label={`Revoke ${token.name}`}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}
