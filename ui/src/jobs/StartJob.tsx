// What the dialogs that start a media job share (Re-encode, Export frames, Build video): where the results go, the
// API's refusal shown next to what caused it, and the "started" view that leads to the job.
import { ApiError, type Schemas } from "../api/client";
import { Dialog, Problem } from "../components/Dialog";
import { useFormMutation } from "../components/Forms";
import { navigate } from "../router";

export type Job = Schemas["JobPublic"];
export type Destination = "bucket" | "managed" | null;

const DESTINATIONS: { value: Destination; label: string }[] = [
  { value: null, label: "The bucket when cairn may write there, else managed storage" },
  { value: "bucket", label: "Next to the original in its bucket" },
  { value: "managed", label: "cairn's managed storage" },
];

/** The request that starts the job (its answer, or the API's refusal), and a form's submit that sends it. */
export function useJobStart(request: () => Promise<Job>) {
  return useFormMutation({ mutationFn: request });
}

/** Whether the API's refusal is about where the results go (a permission the bucket lacks, or the field named). */
export function aboutDestination(error: Error | null): boolean {
  return error instanceof ApiError && (error.details.field === "destination" || "permission" in error.details);
}

/** "Where the results go": the bucket of each original (checked before the job starts) or managed storage. A
 * refusal about it (the permission missing) is shown here, under the choice that caused it. */
export function DestinationChoice({
  value,
  onChange,
  error,
  automatic = true,
}: {
  value: Destination;
  onChange: (value: Destination) => void;
  error: Error | null;
  /** Whether the job may choose by itself (the bucket when writable, else managed storage). */
  automatic?: boolean;
}) {
  return (
    <fieldset className="kinds stacked">
      <legend>Where the results go</legend>
      {DESTINATIONS.filter((d) => automatic || d.value !== null).map((d) => (
        <label key={String(d.value)} className="toggle">
          <input type="radio" name="destination" checked={value === d.value} onChange={() => onChange(d.value)} />
          {d.label}
        </label>
      ))}
      <Problem error={aboutDestination(error) ? error : null} />
    </fieldset>
  );
}

/** The API's refusal when it is not about the destination (that one is shown under the choice). */
export function OtherProblem({ error }: { error: Error | null }) {
  return <Problem error={aboutDestination(error) ? null : error} />;
}

/** A job has started: what it does, and the way to follow it (it also ends in a notification). */
export function JobStarted({
  title,
  job,
  children,
  onClose,
}: {
  title: string;
  job: Job;
  children: React.ReactNode;
  onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p role="status">
        {title} started: {job.title}. {children}
      </p>
      <footer>
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="button" className="primary" onClick={() => (onClose(), navigate(`/jobs/${job.id}`))}>
          Follow it in Jobs
        </button>
      </footer>
    </Dialog>
  );
}
