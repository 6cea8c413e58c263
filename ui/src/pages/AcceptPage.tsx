// The page a one-time link opens (`/#/accept?token=...`, printed by the first run, `cairn users invite` and
// password resets): choose a password, typed twice, and be signed in (POST /auth/accept). The API's rules are shown
// as it says them when it refuses; nothing typed is lost.
import { useState, type FormEvent } from "react";
import { api, unwrap, type User } from "../api/client";

/** The token of an accept link in this page's address, or null when the address is not one. */
export function acceptToken(hash: string = location.hash): string | null {
  const match = /^#\/accept\?(.*)$/.exec(hash);
  return match ? new URLSearchParams(match[1]).get("token") : null;
}

export function AcceptPage({ token, onSignedIn }: { token: string; onSignedIn: (user: User) => void }) {
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== again) return setProblem("The two passwords differ: type the same password twice.");
    setBusy(true);
    setProblem(null);
    try {
      const session = await unwrap(api.POST("/api/v1/auth/accept", { body: { token, password } }));
      history.replaceState(null, "", "/files"); // the link works once: it leaves the address bar and the history
      dispatchEvent(new PopStateEvent("popstate"));
      onSignedIn(session.user);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="accept-title">
        <p className="brand big">
          <span className="brand-mark" aria-hidden="true">◆</span> cairn
        </p>
        <h1 id="accept-title">Choose your password</h1>
        <p className="muted">12 characters or more. The link works once.</p>
        <label>
          New password
          <input
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <label>
          Repeat the password
          <input type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
        </label>
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Set password and sign in
        </button>
      </form>
    </main>
  );
}
