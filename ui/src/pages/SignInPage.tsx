// Sign in: email and password (POST /auth/login), or an API token (POST /auth/session). Both set the session
// cookie and the CSRF cookie; what the API says on a failure is shown under the form, and nothing typed is lost.
import { useState, type FormEvent } from "react";
import { api, unwrap, type User } from "../api/client";

type Mode = "password" | "token";

export function SignInPage({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [mode, setMode] = useState<Mode>("password");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const session =
        mode === "password"
          ? await unwrap(api.POST("/api/v1/auth/login", { body: { email, password } }))
          : await unwrap(api.POST("/api/v1/auth/session", { body: { token } }));
      onSignedIn(session.user);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <p className="brand big">
          <span className="brand-mark" aria-hidden="true">◆</span> cairn
        </p>
        <h1 id="signin-title">Sign in</h1>
        {mode === "password" ? (
          <>
            <label>
              Email
              <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label>
              Password
              <input
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
          </>
        ) : (
          <label>
            API token
            <input type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} />
          </label>
        )}
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <button
          type="button"
          className="link"
          onClick={() => (setMode(mode === "password" ? "token" : "password"), setProblem(null))}
        >
          {mode === "password" ? "Sign in with an API token" : "Sign in with email and password"}
        </button>
      </form>
    </main>
  );
}
