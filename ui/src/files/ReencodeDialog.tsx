// Re-encode (seed 004): the plan of each video (every step with its reason, or nothing to fix), Auto or Full, where
// the results go, and the job that makes the `_normalized` files: for chosen videos, or every video of a folder
// (sub-folders included) or of a dataset, as one job. The job then shows in Jobs, and its notification links to them.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Dataset, type Folder, type Item } from "../api/client";
import { Dialog, Problem } from "../components/Dialog";
import { DestinationChoice, JobStarted, OtherProblem, useJobStart, type Destination } from "../jobs/StartJob";

type Mode = "auto" | "full";
/** A whole folder (its videos, sub-folders included) or dataset, instead of chosen videos. */
export type Whole = { kind: "folder"; folder: Folder } | { kind: "dataset"; dataset: Dataset };

const PLANS_SHOWN = 10;
const MODES: { value: Mode; label: string; about: string }[] = [
  { value: "auto", label: "Auto", about: "the least change that fixes what inspection found, and only that" },
  { value: "full", label: "Full", about: "always H.264, constant frame rate, no audio, faststart, square pixels" },
];

export function ReencodeDialog({
  videos = [],
  whole = null,
  onClose,
}: {
  videos?: Item[];
  whole?: Whole | null;
  onClose: () => void;
}) {
  const [mode, setMode] = useState<Mode>("auto");
  const [destination, setDestination] = useState<Destination>(null);
  const [start] = useJobStart(() =>
    unwrap(api.POST("/api/v1/reencode", { body: { ...scopeOf(videos, whole), mode, destination } })),
  );
  if (start.data)
    return (
      <JobStarted title="Re-encode" job={start.data} onClose={onClose}>
        You are notified when it ends; the new files are added next to the originals with <code>_normalized</code> in
        their title.
      </JobStarted>
    );
  return (
    <Dialog title="Re-encode" onClose={onClose} wide>
      <fieldset className="kinds">
        <legend>Mode</legend>
        {MODES.map((m) => (
          <label key={m.value} className="toggle">
            <input type="radio" name="reencode-mode" checked={mode === m.value} onChange={() => setMode(m.value)} />
            {m.label} <span className="muted">— {m.about}</span>
          </label>
        ))}
      </fieldset>
      <DestinationChoice value={destination} onChange={setDestination} error={start.error} />
      <p className="caution" role="note">
        The originals are kept. Labels made on an original's frames may land on the wrong frames of its re-encode:
        cairn keeps a frame remap (each original frame's new index) with every new file.
      </p>
      {whole ? (
        <p aria-label="What is re-encoded">{wholeText(whole)}</p>
      ) : (
        <>
          <h3>{videos.length === 1 ? "Plan" : `Plans (${videos.length} videos)`}</h3>
          <ul className="plans">
            {videos.slice(0, PLANS_SHOWN).map((v) => (
              <Plan key={`${v.id}-${mode}`} video={v} mode={mode} titled={videos.length > 1} />
            ))}
          </ul>
          {videos.length > PLANS_SHOWN && <p className="muted">and {videos.length - PLANS_SHOWN} more videos.</p>}
        </>
      )}
      <OtherProblem error={start.error} />
      <footer>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={start.isPending} onClick={() => start.mutate()}>
          Start re-encode
        </button>
      </footer>
    </Dialog>
  );
}

function scopeOf(videos: Item[], whole: Whole | null) {
  if (whole?.kind === "folder") return { item_ids: [], folder_id: whole.folder.id };
  if (whole?.kind === "dataset") return { item_ids: [], dataset_id: whole.dataset.id };
  return { item_ids: videos.map((v) => v.id) };
}

function wholeText(whole: Whole): string {
  const where =
    whole.kind === "folder" ? `folder “${whole.folder.name}” and its sub-folders` : `dataset “${whole.dataset.title}”`;
  const mode = "each is planned when the job reaches it; an Auto re-encode skips a video with nothing to fix";
  return `Every video in the ${where}, as one job (${mode}).`;
}

function Plan({ video, mode, titled }: { video: Item; mode: Mode; titled: boolean }) {
  const plan = useQuery({
    queryKey: ["reencode-plan", video.id, mode],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/items/{item_id}/reencode-plan", { params: { path: { item_id: video.id }, query: { mode } } }),
      ),
  });
  return (
    <li aria-label={`Plan for ${video.title}`}>
      {titled && <strong className="break">{video.title}</strong>}
      <Problem error={plan.error} />
      {plan.isPending && <p className="muted">Reading the video…</p>}
      {plan.data && !plan.data.needed && <p>Nothing to fix: this video would be skipped.</p>}
      {plan.data && plan.data.needed && (
        <>
          <p className="muted">
            {plan.data.encode ? "Every frame re-encoded" : "Video packets copied as they are (no re-encode)"}, into{" "}
            {plan.data.container}.
          </p>
          <ol className="steps">
            {plan.data.steps.map((s) => (
              <li key={s.step}>
                <strong>{s.step.replaceAll("_", " ")}</strong>: {s.reason}
              </li>
            ))}
          </ol>
        </>
      )}
    </li>
  );
}
