// "Import from private cloud": an integration and a JSON or CSV manifest (Encord's format). The dry run shows what
// registering would do, or every located problem of the manifest; Import starts the registration job, whose
// progress comes from the tab's event stream (the job asked for once, then kept current by its events).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { ApiError, api, postWithProgress, unwrap, type Schemas, type User } from "../api/client";
import { ListTable } from "../components/ListPage";
import { isOpen } from "../jobs/events";
import { useJob } from "../jobs/live";
import { navigate } from "../router";
import { DropZone } from "./DropZone";

type Plan = Schemas["RegistrationPlanPublic"];
type Job = Schemas["JobPublic"];
interface Located {
  location: string;
  field?: string;
  message: string;
}

export function CloudImport({ folderId }: { folderId: number }) {
  const id = useId();
  const integrations = useQuery({ queryKey: ["integrations"], queryFn: () => unwrap(api.GET("/api/v1/integrations")) });
  const [integration, setIntegration] = useState("");
  const [manifest, setManifest] = useState<File | null>(null);
  const [ignoreErrors, setIgnoreErrors] = useState(false);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [jobId, setJobId] = useState<number | null>(null);
  const chosen = integration || integrations.data?.integrations[0]?.name || "";

  const form = (extra: Record<string, string> = {}) => {
    const body = new FormData();
    body.append("file", manifest!, manifest!.name);
    body.append("folder_id", String(folderId));
    body.append("integration", chosen);
    for (const [key, value] of Object.entries(extra)) body.append(key, value);
    return body;
  };
  useEffect(() => {
    if (!manifest || !chosen) return;
    setPlan(null);
    setProblem(null);
    postWithProgress<Plan>("/api/v1/jobs/dry-run/upload", form(), () => {}).then(setPlan, (e: ApiError) => setProblem(e));
  }, [manifest, chosen]); // a new manifest or integration is a new dry run
  const start = async () => {
    setProblem(null);
    try {
      const job = await postWithProgress<Job>("/api/v1/jobs/upload", form({ ignore_errors: String(ignoreErrors) }), () => {});
      setJobId(job.id);
    } catch (error) {
      setProblem(error as ApiError);
    }
  };

  if (integrations.data?.integrations.length === 0) return <NoIntegration />;
  return (
    <div>
      <label htmlFor={`${id}-integration`}>Integration</label>
      <select id={`${id}-integration`} className="field" value={chosen} onChange={(e) => setIntegration(e.target.value)}>
          {integrations.data?.integrations.map((i) => (
            <option key={i.id} value={i.name}>
              {i.name} ({i.provider})
            </option>
          ))}
      </select>
      <DropZone
        label="Choose a manifest"
        hint="a JSON or CSV manifest here"
        accept=".json,.csv,application/json,text/csv"
        multiple={false}
        onFiles={([file]) => (setManifest(file), setJobId(null))}
      />
      {manifest && <p className="muted">Manifest: {manifest.name}</p>}
      {problem && <Problems error={problem} />}
      {plan && <DryRun plan={plan} />}
      <label className="toggle">
        <input type="checkbox" checked={ignoreErrors} onChange={(e) => setIgnoreErrors(e.target.checked)} />
        Ignore individual file errors
      </label>
      {jobId !== null && <JobProgress jobId={jobId} />}
      <footer>
        <button type="button" className="primary" disabled={!plan || jobId !== null} onClick={start}>
          Import
        </button>
      </footer>
    </div>
  );
}

/** No integration to import from: an organization admin is sent to the Integrations page, anyone else to one. */
function NoIntegration() {
  const me = useQueryClient().getQueryData<User>(["me"]);
  return (
    <p className="caution">
      At least one data integration is required to import cloud data:{" "}
      {me?.is_org_admin ? (
        <a className="inline-link" href="/integrations" onClick={(e) => (e.preventDefault(), navigate("/integrations"))}>
          add one on the Integrations page
        </a>
      ) : (
        "ask an organization admin to add one (and share it with you)"
      )}
      .
    </p>
  );
}

function Problems({ error }: { error: ApiError }) {
  const located = (error.details.problems ?? []) as Located[];
  return (
    <div role="alert" className="failures">
      <p className="error">{error.message}</p>
      {located.length > 0 && (
        <ListTable label="Manifest problems" columns={["Where", "Field", "Problem"]} className="results compact">
          {located.map((p, i) => (
            <tr key={i}>
              <td>
                <code>{p.location}</code>
              </td>
              <td>{p.field ?? "—"}</td>
              <td>{p.message}</td>
            </tr>
          ))}
        </ListTable>
      )}
    </div>
  );
}

function DryRun({ plan }: { plan: Plan }) {
  const counts = Object.entries(plan.counts).filter(([, n]) => n > 0);
  return (
    <section className="dry-run" aria-label="Dry run">
      <p>
        <strong>{plan.units === 1 ? "1 file" : `${plan.units} files`}</strong> would be registered from {plan.integration}
        {counts.length > 0 && ": "}
        {counts.map(([kind, n]) => `${n} ${kind.replaceAll("_", " ")}`).join(", ")}.
      </p>
    </section>
  );
}

function JobProgress({ jobId }: { jobId: number }) {
  const queries = useQueryClient();
  const job = useJob(jobId);
  const data = job.data;
  const finished = data ? data.units_done + data.units_error + data.units_skipped + data.units_cancelled : 0;
  const ended = data !== undefined && !isOpen(data);
  useEffect(() => {
    if (ended) void queries.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "job" }); // the table, counts
  }, [ended, queries]);
  if (job.error) return <p role="alert" className="error">{job.error.message}</p>;
  return (
    <section className="job" aria-label="Registration job">
      <progress aria-label="Registration progress" max={Math.max(1, data?.units_total ?? 1)} value={finished} className="wide-progress" />
      <p aria-live="polite">
        Job {jobId}: <span className={`status status-${data?.status ?? "pending"}`}>{data?.status ?? "pending"}</span>{" "}
        {data && `${data.units_done} registered, ${data.units_error} failed, ${data.units_skipped} skipped of ${data.units_total}`}
      </p>
      {ended && data.units_error > 0 && <UnitErrors jobId={jobId} />}
    </section>
  );
}

/** Why files were not registered (the first page: where each is in the manifest, and the error). */
function UnitErrors({ jobId }: { jobId: number }) {
  const errors = useQuery({
    queryKey: ["job-errors", jobId],
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}/errors", { params: { path: { job_id: jobId } } })),
  });
  if (errors.error) return <p role="alert" className="error">{errors.error.message}</p>;
  return (
    <ListTable label="Files not registered" columns={["Where", "File", "Error"]} className="results compact">
      {errors.data?.errors.map((e) => (
        <tr key={e.unit}>
          <td>
            <code>{e.location}</code>
          </td>
          <td className="break">{e.title || e.object_urls[0]}</td>
          <td>{e.error}</td>
        </tr>
      ))}
    </ListTable>
  );
}
