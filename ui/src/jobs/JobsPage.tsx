// Jobs (`/jobs`, `/jobs/12` with one open): every job the caller may see, of every kind, with its live progress,
// Cancel while it is open, and its per-unit errors (paged, and as a CSV file).
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type User } from "../api/client";
import { Problem } from "../components/Dialog";
import { ListTable, LoadMore } from "../components/ListPage";
import { formatDate } from "../format";
import { folderPath, navigate } from "../router";
import { ItemLink } from "./Bell";
import { isOpen, upsertJob, type Job, type JobsPage as JobsList } from "./events";
import { JOBS_KEY, JOBS_LISTED, OLDER_JOBS_KEY, useJob, useJobs, useLive, useOlder } from "./live";

const KIND_NAMES: Record<string, string> = {
  registration: "Registration",
  reencode: "Re-encode",
  frame_export: "Export frames",
  sequence_video: "Build video",
};
const ERRORS_PAGE = 100;

export function JobsPage({ me, jobId }: { me: User; jobId: number | null }) {
  const jobs = useJobs();
  const live = useLive();
  const older = useOlderJobs(jobs.data);
  const shown = [...(jobs.data?.jobs ?? []), ...older.jobs];
  return (
    <div className="workspace jobs-workspace">
      <main className="main" aria-label="Jobs">
        <div className="title-row">
          <h1>Jobs</h1>
          <span role="status" className={live ? "live on" : "live"}>
            {live ? "Live" : "Connecting…"}
          </span>
        </div>
        <Problem error={jobs.error} />
        {jobs.data && !shown.length && <p className="muted">No jobs yet: registrations and re-encodes show here.</p>}
        {shown.length > 0 && (
          <ListTable label="Jobs" columns={["Job", "Kind", "On", "State", "Progress", "Started"]} actions className="jobs">
            {shown.map((job) => (
              <JobRow key={job.id} job={job} me={me} selected={job.id === jobId} />
            ))}
          </ListTable>
        )}
        <Problem error={older.error} />
        {older.more && (
          <button type="button" className="more" disabled={older.loading} onClick={older.load}>
            Show older jobs
          </button>
        )}
      </main>
      {jobId !== null && <JobDetails key={jobId} jobId={jobId} me={me} />}
    </div>
  );
}

/** The jobs after the live first page, a page at a time when asked for (kept current by the stream too). */
function useOlderJobs(first: JobsList | undefined) {
  const firstIds = new Set(first?.jobs.map((j) => j.id));
  const lastOf = (page: JobsList) => (page.jobs.length >= JOBS_LISTED ? page.jobs.at(-1)?.id : undefined);
  const older = useOlder({
    key: OLDER_JOBS_KEY,
    from: first && lastOf(first),
    fetch: (before) => unwrap(api.GET("/api/v1/jobs", { params: { query: { before_id: before, limit: JOBS_LISTED } } })),
    rows: (page) => page.jobs,
    next: lastOf,
  });
  return { ...older, jobs: older.rows.filter((j) => !firstIds.has(j.id)) };
}

function JobRow({ job, me, selected }: { job: Job; me: User; selected: boolean }) {
  return (
    <tr aria-current={selected ? "true" : undefined} className={selected ? "selected" : undefined}>
      <td>
        <a className="inline-link" href={`/jobs/${job.id}`} onClick={(e) => (e.preventDefault(), navigate(`/jobs/${job.id}`))}>
          {job.title}
        </a>
      </td>
      <td>{KIND_NAMES[job.kind] ?? job.kind}</td>
      <td>
        <Scope job={job} />
      </td>
      <td>
        <State job={job} />
      </td>
      <td>
        <Progress job={job} />
      </td>
      <td>{formatDate(job.created_at)}</td>
      <td>
        <CancelButton job={job} me={me} />
      </td>
    </tr>
  );
}

function State({ job }: { job: Job }) {
  const leftOut = ((job.summary.problems ?? []) as unknown[]).length > 0; // manifest entries not registered
  const problems = (job.units_error > 0 || leftOut) && job.status === "done" ? " with errors" : "";
  return <span className={`badge state-${job.status}`}>{job.status + problems}</span>;
}

function Progress({ job }: { job: Job }) {
  const percent = Math.round(job.progress * 100);
  const finished = job.units_total - job.units_pending;
  return (
    <div className="progress-cell">
      <div
        className="progress"
        role="progressbar"
        aria-label={`Progress of ${job.title}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}% (${job.status})`}
      >
        <div className={`progress-fill state-${job.status}`} style={{ width: `${percent}%` }} />
      </div>
      <span className="muted">
        {finished}/{job.units_total}
        {job.units_error > 0 && `, ${job.units_error} failed`}
      </span>
    </div>
  );
}

/** Its author, an organization admin, or (the API decides) an editor of its folder may cancel a job. */
function mayCancel(job: Job, me: User): boolean {
  return me.is_org_admin || job.actor_id === me.id || job.folder_id !== null;
}

function CancelButton({ job, me }: { job: Job; me: User }) {
  const queries = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/jobs/{job_id}/cancel", { params: { path: { job_id: job.id } } })),
    onSuccess: (answer) => {
      const held = queries.getQueryData<JobsList>(JOBS_KEY);
      if (held) queries.setQueryData(JOBS_KEY, upsertJob(held, answer));
      queries.setQueryData(["job", answer.id], answer);
    },
  });
  if (!isOpen(job) || !mayCancel(job, me)) return null;
  return (
    <>
      <button type="button" aria-label={`Cancel ${job.title}`} disabled={cancel.isPending} onClick={() => cancel.mutate()}>
        Cancel
      </button>
      <Problem error={cancel.error} />
    </>
  );
}

function JobDetails({ jobId, me }: { jobId: number; me: User }) {
  const job = useJob(jobId);
  if (job.error) return <aside className="details" aria-label="Job details"><Problem error={job.error} /></aside>;
  if (!job.data) return <aside className="details" aria-label="Job details"><p>Loading…</p></aside>;
  const j = job.data;
  return (
    <aside className="details" aria-label="Job details">
      <h2 className="break">{j.title}</h2>
      <Progress job={j} />
      <dl>
        <dt>Kind</dt>
        <dd>{KIND_NAMES[j.kind] ?? j.kind}</dd>
        <dt>State</dt>
        <dd><State job={j} /></dd>
        <dt>On</dt>
        <dd><Scope job={j} /></dd>
        <dt>Units</dt>
        <dd>
          {j.units_done} done ({j.units_skipped} skipped, {j.units_updated} updated), {j.units_error} failed,{" "}
          {j.units_cancelled} cancelled, of {j.units_total}
        </dd>
        <dt>Files made</dt>
        <dd>{j.items_created}</dd>
        {j.finished_at && (
          <>
            <dt>Finished</dt>
            <dd>{formatDate(j.finished_at)}</dd>
          </>
        )}
      </dl>
      {j.error && <p className="error">{j.error}</p>}
      <Summary job={j} />
      <CancelButton job={j} me={me} />
      {j.units_error > 0 && <UnitErrors job={j} />}
    </aside>
  );
}

/** What a job works on: its folder (by name) or dataset, else how many files. */
function Scope({ job }: { job: Job }) {
  const folder = useQuery({
    queryKey: ["folder", job.folder_id],
    queryFn: () => unwrap(api.GET("/api/v1/folders/{folder_id}", { params: { path: { folder_id: job.folder_id! } } })),
    enabled: job.folder_id !== null,
  });
  if (job.folder_id !== null) {
    const to = folderPath(job.folder_id);
    return (
      <a className="inline-link" href={to} onClick={(e) => (e.preventDefault(), navigate(to))}>
        {folder.data?.name ?? `folder ${job.folder_id}`}
      </a>
    );
  }
  if (job.dataset_id !== null) {
    const to = `/datasets/${job.dataset_id}`;
    return (
      <a className="inline-link" href={to} onClick={(e) => (e.preventDefault(), navigate(to))}>
        dataset {job.dataset_id}
      </a>
    );
  }
  return <>{job.units_total === 1 ? "1 file" : `${job.units_total} files`}</>;
}

interface ManifestProblem {
  file?: string | null;
  location: string;
  field?: string | null;
  message: string;
}

function Summary({ job }: { job: Job }) {
  const counts = job.summary.counts_by_kind as Record<string, number> | undefined;
  const made = (job.summary.made ?? []) as { original_item_id: number; item_id: number }[];
  const problems = (job.summary.problems ?? []) as ManifestProblem[];
  return (
    <>
      {problems.length > 0 && (
        <section aria-label="Manifest problems">
          <h3>
            Manifest problems ({problems.length}
            {job.summary.problems_truncated ? "+" : ""})
          </h3>
          <p className="muted">The manifest's entries with a problem were not registered.</p>
          <ListTable label="Entries not registered" columns={["Where", "Problem"]} className="unit-errors">
            {problems.map((p, i) => (
              <tr key={i}>
                <td className="break">
                  {p.file ? `${p.file}: ` : ""}
                  {p.location}
                  {p.field ? ` (${p.field})` : ""}
                </td>
                <td>{p.message}</td>
              </tr>
            ))}
          </ListTable>
        </section>
      )}
      {counts && Object.keys(counts).length > 0 && (
        <>
          <h3>Registered by kind</h3>
          <ul className="plain">
            {Object.entries(counts).map(([kind, n]) => (
              <li key={kind}>{kind}: {n}</li>
            ))}
          </ul>
        </>
      )}
      {made.length > 0 && (
        <>
          <h3>Made</h3>
          <ul className="plain">
            {made.map((m) => (
              <li key={m.item_id}>
                <ItemLink itemId={m.item_id} onGo={navigate} />
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function UnitErrors({ job }: { job: Job }) {
  const errors = useInfiniteQuery({
    queryKey: ["job-errors", job.id],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/jobs/{job_id}/errors", {
          params: { path: { job_id: job.id }, query: { after_unit: pageParam, limit: ERRORS_PAGE } },
        }),
      ),
    initialPageParam: null as number | null,
    getNextPageParam: (page) => page.next_after_unit ?? undefined,
  });
  const rows = errors.data?.pages.flatMap((p) => p.errors) ?? [];
  return (
    <section aria-label="Errors">
      <h3>Errors</h3>
      <a className="button-link" href={`/api/v1/jobs/${job.id}/errors.csv`} download={`job-${job.id}-errors.csv`}>
        Download errors as CSV
      </a>
      <Problem error={errors.error} />
      <ListTable label="Units that failed" columns={["Where", "File", "Error"]} className="unit-errors">
        {rows.map((e) => (
          <tr key={e.unit}>
            <td>{e.location}</td>
            <td className="break">
              {e.title}
              {e.object_urls.map((u) => (
                <div key={u} className="muted">{u}</div>
              ))}
            </td>
            <td>
              {e.error}
              {e.action_description && <div className="muted">{e.action_description}</div>}
            </td>
          </tr>
        ))}
      </ListTable>
      <LoadMore label="More errors" pages={errors} />
    </section>
  );
}
