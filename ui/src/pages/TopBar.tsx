// The bar across the top: the product, the global search (every file you may see) and who you are.
import { useState, type FormEvent, type ReactNode } from "react";
import { api, unwrap, type User } from "../api/client";
import type { Section } from "../App";
import { Bell } from "../jobs/Bell";
import { navigate } from "../router";

export function TopBar({ user, search, section }: { user: User; search: string; section: Section }) {
  const [text, setText] = useState(search);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) navigate(`/search?q=${encodeURIComponent(text.trim())}`);
  };
  const signOut = async () => {
    try {
      await unwrap(api.DELETE("/api/v1/auth/session"));
      location.assign("/files"); // a new page: nothing of the session stays in memory

    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <header className="topbar">
      <a className="brand" href="/files" onClick={(e) => (e.preventDefault(), navigate("/files"))}>
        <span className="brand-mark" aria-hidden="true">◆</span> cairn
      </a>
      <nav aria-label="Sections" className="sections">
        <span className="section-label">Index</span>
        <Link to="/files" current={section === "files"}>
          Files
        </Link>
        <Link to="/datasets" current={section === "datasets"}>
          Datasets
        </Link>
        <Link to="/jobs" current={section === "jobs"}>
          Jobs
        </Link>
        {user.is_org_admin && (
          <Link to="/people" current={section === "people"}>
            People
          </Link>
        )}
        {user.is_org_admin && <Link to="/integrations" current={section === "integrations"}>Integrations</Link>}
      </nav>
      <form role="search" className="global-search" onSubmit={submit}>
        <input
          type="search"
          aria-label="Search all files"
          placeholder="Search all files"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </form>
      <div className="who">
        <Bell />
        <Link to="/account" current={section === "account"} title={user.email}>
          {user.name || user.email}
        </Link>
        <button type="button" className="quiet" onClick={signOut}>
          Sign out
        </button>
        {problem && <span role="alert" className="error">{problem}</span>}
      </div>
    </header>
  );
}

function Link({ to, current, title, children }: { to: string; current: boolean; title?: string; children: ReactNode }) {
  return (
    <a
      href={to}
      title={title}
      aria-current={current ? "page" : undefined}
      onClick={(e) => (e.preventDefault(), navigate(to))}
    >
      {children}
    </a>
  );
}
