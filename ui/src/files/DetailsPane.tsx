// The details pane (seed 002): the selected file (properties, checks, client metadata, "Linked to"), or, with
// nothing selected, the open folder (description, counts, who has a role on it, what happened in it lately).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api, unwrap, type Dataset, type Folder, type Item } from "../api/client";
import { afterRowsShown } from "../api/firstRows";
import { Problem } from "../components/Dialog";
import { formatDate, formatDuration, formatSize, KIND_LABELS } from "../format";
import { ItemLink } from "../jobs/Bell";
import { navigate } from "../router";
import { checkName, checksOf, useInspection, type Check } from "./inspection";
import { Preview } from "./Preview";

export function FolderDetails({ folder }: { folder: Folder }) {
  const summary = useQuery({
    queryKey: ["summary", folder.id],
    queryFn: afterRowsShown(() =>
      unwrap(api.GET("/api/v1/folders/{folder_id}/summary", { params: { path: { folder_id: folder.id } } })),
    ),
  });
  return (
    <aside className="details" aria-label="Folder details">
      <h2>{folder.name}</h2>
      <p className={folder.description ? "description" : "description muted"}>{folder.description || "No description."}</p>
      <dl>
        <dt>Your role</dt>
        <dd>{folder.user_role ?? "—"}</dd>
        <dt>Created</dt>
        <dd>{formatDate(folder.created_at)}</dd>
        {summary.data && (
          <>
            <dt>Sub-folders</dt>
            <dd>{summary.data.folders}</dd>
            <dt>Files</dt>
            <dd>{summary.data.files}</dd>
            <dt>Total size</dt>
            <dd>{formatSize(summary.data.total_size)}</dd>
            {Object.entries(summary.data.by_kind).map(([kind, n]) => (
              <Pair key={kind} term={KIND_LABELS[kind] ?? kind} value={String(n)} />
            ))}
          </>
        )}
      </dl>
      <Problem error={summary.error} />
      <Collaborators folder={folder} />
      <RecentActivity folder={folder} />
    </aside>
  );
}

/** The roles granted on this folder itself (Manage access, above, changes them; inherited ones show on the
 * folders above). */
function Collaborators({ folder }: { folder: Folder }) {
  const grants = useQuery({
    queryKey: ["access", folder.id],
    queryFn: afterRowsShown(() =>
      unwrap(api.GET("/api/v1/folders/{folder_id}/access", { params: { path: { folder_id: folder.id } } })),
    ),
  });
  const list = grants.data?.grants ?? [];
  return (
    <section aria-labelledby="collaborators-title">
      <h3 id="collaborators-title">Collaborators</h3>
      {grants.isSuccess && list.length === 0 && <p className="muted">No roles given on this folder itself.</p>}
      <ul className="plain">
        {list.map((g) => (
          <li key={g.user_id}>
            <span className="break">{g.user_name ? `${g.user_name} (${g.user_email})` : g.user_email}</span>{" "}
            <span className="muted">{g.role}</span>
          </li>
        ))}
      </ul>
      <Problem error={grants.error} />
    </section>
  );
}

/** The latest entries of the journal in this folder's subtree, newest first. */
function RecentActivity({ folder }: { folder: Folder }) {
  const journal = useQuery({
    queryKey: ["journal", folder.id],
    queryFn: afterRowsShown(() =>
      unwrap(api.GET("/api/v1/journal", { params: { query: { folder_id: folder.id, limit: RECENT_ACTIVITY } } })),
    ),
  });
  const entries = journal.data?.entries ?? [];
  return (
    <section aria-labelledby="activity-title">
      <h3 id="activity-title">Recent activity</h3>
      {journal.isSuccess && entries.length === 0 && <p className="muted">Nothing yet.</p>}
      <ul className="plain">
        {entries.map((e) => (
          <li key={e.id}>
            <span className="break">
              {e.actor_email ?? "cairn"} · {e.action} · {e.target_label}
            </span>{" "}
            <span className="muted">{formatDate(e.at)}</span>
          </li>
        ))}
      </ul>
      <Problem error={journal.error} />
    </section>
  );
}

const RECENT_ACTIVITY = 5;

type Tab = "properties" | "linked";

export function ItemDetails({ item, canWrite }: { item: Item; canWrite: boolean }) {
  const [tab, setTab] = useState<Tab>("properties");
  return (
    <aside className="details" aria-label="File details">
      <h2 className="break">{item.title}</h2>
      <Preview key={item.id} item={item} />
      <div role="tablist" aria-label="File details" className="tabs">
        <button type="button" role="tab" id="tab-properties" aria-selected={tab === "properties"} onClick={() => setTab("properties")}>
          Properties
        </button>
        <button type="button" role="tab" id="tab-linked" aria-selected={tab === "linked"} onClick={() => setTab("linked")}>
          Linked to
        </button>
      </div>
      <div role="tabpanel" aria-labelledby={tab === "properties" ? "tab-properties" : "tab-linked"}>
        {tab === "properties" ? <Properties item={item} /> : <LinkedTo item={item} canWrite={canWrite} />}
      </div>
    </aside>
  );
}

function Pair({ term, value }: { term: string; value: string | null | undefined }) {
  if (value == null || value === "") return null;
  return (
    <>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </>
  );
}

function Properties({ item }: { item: Item }) {
  const m = item.media;
  return (
    <>
      <dl>
        <Pair term="Kind" value={KIND_LABELS[item.kind] ?? item.kind} />
        <Pair term="Status" value={item.status} />
        <Pair term="Problem" value={item.status_reason} />
        <Pair term="Size" value={m.file_size != null ? formatSize(m.file_size) : null} />
        <Pair term="Type" value={m.mime_type} />
        <Pair term="Dimensions" value={m.width && m.height ? `${m.width} × ${m.height}` : null} />
        <Pair term="Duration" value={m.duration != null ? formatDuration(m.duration) : null} />
        <Pair term="Frame rate" value={m.fps != null ? `${m.fps} fps` : null} />
        <Pair term="Frames" value={m.frame_count != null ? String(m.frame_count) : null} />
        <Pair term="Pages" value={m.page_count != null ? String(m.page_count) : null} />
        <Pair term="Location" value={item.managed ? "Uploaded to cairn" : item.object_url} />
        <Pair term="Created" value={formatDate(item.created_at)} />
        <Pair term="Edited" value={formatDate(item.edited_at)} />
      </dl>
      {item.kind === "video" && <Reencodes item={item} />}
      <Checks item={item} />
      <h3>Client metadata</h3>
      {Object.keys(item.client_metadata).length ? (
        <pre className="metadata">{JSON.stringify(item.client_metadata, null, 2)}</pre>
      ) : (
        <p className="muted">None.</p>
      )}
    </>
  );
}

function Checks({ item }: { item: Item }) {
  const inspection = useInspection(item);
  const missing = inspection.error instanceof ApiError && inspection.error.status === 404;
  const checks = checksOf(inspection.data?.report);
  return (
    <>
      <h3>Checks</h3>
      {missing && <p className="muted">Not inspected yet.</p>}
      {!missing && <Problem error={inspection.error} />}
      {inspection.data && !checks.length && <p className="muted">Verdict: {inspection.data.verdict}.</p>}
      <ul className="checks">
        {[...checks].sort(problemsFirst).map((c) =>
          c.verdict === "ok" ? (
            <li key={c.name} className="check verdict-ok">
              <strong>{checkName(c)}</strong>: {c.reason}
            </li>
          ) : (
            <li key={c.name} className={`check verdict-${c.verdict}`}>
              <strong>{checkName(c)}</strong> <span className="badge">{c.verdict}</span>
              <div>{c.reason}</div>
              {c.fix && <code className="fix">{c.fix}</code>}
            </li>
          ),
        )}
      </ul>
    </>
  );
}

/** Checks that found something come first, with their fix; passed ones follow as one line each. */
function problemsFirst(a: Check, b: Check): number {
  return Number(a.verdict === "ok") - Number(b.verdict === "ok");
}

/** Seed 004's re-encode, both ways: what this video was made from (with the frame remap cairn keeps, since labels
 * may otherwise land on the wrong frames) and what was made from it. */
function Reencodes({ item }: { item: Item }) {
  const links = useQuery({
    queryKey: ["reencodes", item.id],
    queryFn: () => unwrap(api.GET("/api/v1/items/{item_id}/reencodes", { params: { path: { item_id: item.id } } })),
  });
  const remap = useQuery({
    queryKey: ["reencodes", item.id, "remap"],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/items/{item_id}/frame-remap", { params: { path: { item_id: item.id }, query: { frames: "0" } } }),
      ),
  });
  const notReencoded = remap.error instanceof ApiError && remap.error.status === 404;
  const made = links.data?.reencoded_as ?? [];
  const remapUrl = `/api/v1/items/${item.id}/frame-remap`;
  const problem = links.error ?? (notReencoded ? null : remap.error);
  if (!problem && !remap.data && made.length === 0) return null; // neither a re-encode nor re-encoded
  return (
    <section aria-label="Re-encodes">
      <h3>Re-encodes</h3>
      <Problem error={problem} />
      {remap.data && (
        <>
          <p>
            Re-encoded ({remap.data.mode}) from{" "}
            {remap.data.original_item_id !== null ? (
              <ItemLink itemId={remap.data.original_item_id} onGo={navigate} prefix="" />
            ) : (
              "a file since deleted or not visible to you"
            )}
            .
          </p>
          <p className="caution" role="note">
            Labels made on the original's frames may be misplaced on this video. cairn keeps the exact frame remap
            (each original frame's new frame, or dropped):{" "}
            <a className="inline-link" href={remapUrl} target="_blank" rel="noreferrer">
              Frame remap
            </a>
          </p>
        </>
      )}
      {made.length > 0 && (
        <>
          <p>Re-encoded as:</p>
          <ul className="plain">
            {made.map((id) => (
              <li key={id}>
                <ItemLink itemId={id} onGo={navigate} prefix="" />
              </li>
            ))}
          </ul>
          <p className="caution" role="note">
            Labels on this video do not move to its re-encodes: translate their frames with each re-encode's frame
            remap (shown on it).
          </p>
        </>
      )}
      {notReencoded && links.data && !made.length && <p className="muted">Not re-encoded.</p>}
    </section>
  );
}

function LinkedTo({ item, canWrite }: { item: Item; canWrite: boolean }) {
  const linked = useQuery({
    queryKey: ["linked", item.id],
    queryFn: () => unwrap(api.GET("/api/v1/items/{item_id}/datasets", { params: { path: { item_id: item.id } } })),
  });
  if (linked.error) return <Problem error={linked.error} />;
  if (!linked.data) return <p>Loading…</p>;
  if (!linked.data.datasets.length) return <p className="muted">Not in any dataset.</p>;
  return (
    <ul className="datasets" aria-label="Datasets">
      {linked.data.datasets.map((d) => (
        <LinkedDataset key={d.id} dataset={d} itemId={item.id} canWrite={canWrite} />
      ))}
    </ul>
  );
}

function LinkedDataset({ dataset, itemId, canWrite }: { dataset: Dataset; itemId: number; canWrite: boolean }) {
  const queries = useQueryClient();
  const remove = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/datasets/{dataset_id}/items/remove", {
          params: { path: { dataset_id: dataset.id } },
          body: { item_ids: [itemId] },
        }),
      ),
    onSuccess: () => queries.invalidateQueries(),
  });
  const synced = dataset.synced_folder_id !== null;
  return (
    <li>
      <span className="dataset-title">{dataset.title}</span>
      <a
        className="inline-link"
        href={`/datasets/${dataset.id}`}
        aria-label={`View dataset ${dataset.title}`}
        onClick={(e) => (e.preventDefault(), navigate(`/datasets/${dataset.id}`))}
      >
        View dataset
      </a>
      {synced && <span className="badge" title="Holds exactly its folder's files: move or delete the file to take it out">synced</span>}
      {canWrite && !synced && (
        <button type="button" disabled={remove.isPending} onClick={() => remove.mutate()}>
          Remove from dataset
        </button>
      )}
      <Problem error={remove.error} />
    </li>
  );
}
