// Uploads from this computer. Upload: one request per file (three at a time), each with its progress bar; a file the
// API refuses is listed with its message while the others go on. Batch images as / DICOM: every file in one request
// that makes one image group, image sequence or DICOM series.
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { postWithProgress, type Schemas } from "../api/client";
import { formatSize } from "../format";
import { DropZone } from "./DropZone";

type Items = Schemas["ItemsPublic"];
type State = "waiting" | "uploading" | "done" | "failed";
interface Entry {
  key: number;
  file: File;
  sent: number;
  state: State;
  message: string;
}

const AT_ONCE = 3;
const MEDIA = "image/*,video/*,audio/*,text/*,application/pdf,.txt,.csv,.json,.md";

function uploadUrl(folderId: number): string {
  return `/api/v1/folders/${folderId}/upload`;
}

export function FilesUpload({ folderId }: { folderId: number }) {
  const queries = useQueryClient();
  const [entries, setEntries] = useState<Entry[]>([]);
  const [running, setRunning] = useState(false);
  const next = useRef(0);
  const update = (key: number, change: Partial<Entry>) =>
    setEntries((all) => all.map((e) => (e.key === key ? { ...e, ...change } : e)));
  const add = (files: File[]) =>
    setEntries((all) => [...all, ...files.map((file) => ({ key: next.current++, file, sent: 0, state: "waiting" as State, message: "" }))]);

  const send = async (entry: Entry) => {
    update(entry.key, { state: "uploading", sent: 0 });
    const form = new FormData();
    form.append("files", entry.file, entry.file.name);
    try {
      await postWithProgress<Items>(uploadUrl(folderId), form, (sent) => update(entry.key, { sent }));
      update(entry.key, { state: "done", sent: 1 });
    } catch (error) {
      update(entry.key, { state: "failed", message: (error as Error).message });
    }
  };
  const start = async (event: FormEvent) => {
    event.preventDefault();
    const queue = entries.filter((e) => e.state === "waiting" || e.state === "failed");
    setRunning(true);
    const worker = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) await send(entry);
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    setRunning(false);
    void queries.invalidateQueries(); // the table, the folder's counts, the tree
  };
  const failed = entries.filter((e) => e.state === "failed");
  const done = entries.filter((e) => e.state === "done").length;
  return (
    <form onSubmit={start}>
      <DropZone label="Choose files" hint="images, videos, audio, text or PDF files here" accept={MEDIA} onFiles={add} />
      {entries.length > 0 && (
        <ul className="uploads" aria-label="Files to upload">
          {entries.map((e) => (
            <li key={e.key} className={`upload-${e.state}`}>
              <span className="upload-name">{e.file.name}</span>
              <span className="muted">{formatSize(e.file.size)}</span>
              <progress aria-label={`Upload of ${e.file.name}`} max={1} value={e.sent} />
              <span className="upload-state">{STATES[e.state]}</span>
              {e.state === "waiting" && !running && (
                <button type="button" className="quiet" aria-label={`Remove ${e.file.name}`} onClick={() => setEntries(entries.filter((x) => x !== e))}>
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {failed.length > 0 && (
        <div role="alert" className="failures">
          <p className="error">
            {failed.length === 1 ? "1 file was not uploaded:" : `${failed.length} files were not uploaded:`}
          </p>
          <ul>
            {failed.map((e) => (
              <li key={e.key}>
                <strong>{e.file.name}</strong>: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <footer className="split">
        <span className="muted" aria-live="polite">
          {entries.length > 0 && `${done} of ${entries.length} uploaded`}
        </span>
        <button type="submit" className="primary" disabled={running || !entries.some((e) => e.state !== "done")}>
          {failed.length > 0 && !running ? "Retry failed" : "Upload"}
        </button>
      </footer>
    </form>
  );
}

const STATES: Record<State, string> = { waiting: "Waiting", uploading: "Uploading", done: "Uploaded", failed: "Failed" };

type BatchKind = "image_group" | "image_sequence" | "dicom_series";

export function BatchUpload({ folderId, dicom }: { folderId: number; dicom: boolean }) {
  const queries = useQueryClient();
  const [kind, setKind] = useState<BatchKind>(dicom ? "dicom_series" : "image_group");
  const [title, setTitle] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [sent, setSent] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    form.append("batch", kind);
    if (title.trim()) form.append("title", title.trim());
    setProblem(null);
    setMade(null);
    setSent(0);
    try {
      const answer = await postWithProgress<Items>(uploadUrl(folderId), form, setSent);
      setMade(answer.items.map((item) => item.title).join("”, “")); // a sequence of mixed sizes: one per size
      setFiles([]);
      setTitle("");
      void queries.invalidateQueries(); // the table, the folder of the batch's images, the counts
    } catch (error) {
      setProblem((error as Error).message); // the files stay chosen, to fix and send again
    } finally {
      setSent(null);
    }
  };
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return (
    <form onSubmit={start}>
      {!dicom && (
        <fieldset className="kinds">
          <legend>Batch as</legend>
          <label className="toggle">
            <input type="radio" name="batch-kind" checked={kind === "image_group"} onChange={() => setKind("image_group")} />
            Image group
          </label>
          <label className="toggle">
            <input type="radio" name="batch-kind" checked={kind === "image_sequence"} onChange={() => setKind("image_sequence")} />
            Image sequence
          </label>
        </fieldset>
      )}
      <label>
        {dicom ? "Series title" : "Title"}
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="optional" />
      </label>
      <DropZone
        label={dicom ? "Choose DICOM files" : "Choose images"}
        hint={dicom ? "the DICOM files of one series here" : "the images to batch here"}
        accept={dicom ? ".dcm,application/dicom" : "image/*"}
        onFiles={(more) => setFiles([...files, ...more])}
      />
      {files.length > 0 && (
        <p className="muted">
          {files.length} {files.length === 1 ? "file" : "files"} chosen ({formatSize(total)}){" "}
          <button type="button" className="link" onClick={() => setFiles([])}>
            Clear
          </button>
        </p>
      )}
      {sent !== null && <progress aria-label="Upload of the batch" max={1} value={sent} className="wide-progress" />}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {made !== null && <p className="done">Made “{made}”.</p>}
      <footer>
        <button type="submit" className="primary" disabled={sent !== null || files.length === 0}>
          {dicom ? "Upload" : "Upload and batch images"}
        </button>
      </footer>
    </form>
  );
}
