// "Add to dataset" (seed 002): an Add button per existing dataset (several allowed), or "+ New dataset" with a
// name, a description and the toggle that syncs it with the folder.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { api, unwrap, type Dataset } from "../api/client";
import { Dialog, Problem } from "../components/Dialog";
import { NameFields, useFormMutation } from "../components/Forms";

type Tab = "existing" | "new";

export function AddToDatasetDialog({
  itemIds,
  folderId,
  onClose,
}: {
  itemIds: number[];
  folderId: number;
  onClose: () => void;
}) {
  const [tab, setTab] = useState<Tab>("existing");
  const count = itemIds.length === 1 ? "1 file" : `${itemIds.length} files`;
  return (
    <Dialog title="Add to dataset" onClose={onClose}>
      <p>Add {count} to a dataset.</p>
      <div role="tablist" aria-label="Add to dataset" className="tabs">
        <button type="button" role="tab" aria-selected={tab === "existing"} onClick={() => setTab("existing")}>
          Datasets
        </button>
        <button type="button" role="tab" aria-selected={tab === "new"} onClick={() => setTab("new")}>
          + New dataset
        </button>
      </div>
      <div role="tabpanel">
        {tab === "existing" ? (
          <ExistingDatasets itemIds={itemIds} />
        ) : (
          <NewDataset itemIds={itemIds} folderId={folderId} onDone={onClose} />
        )}
      </div>
      <footer>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </footer>
    </Dialog>
  );
}

function ExistingDatasets({ itemIds }: { itemIds: number[] }) {
  const datasets = useQuery({ queryKey: ["datasets"], queryFn: () => unwrap(api.GET("/api/v1/datasets")) });
  if (datasets.error) return <Problem error={datasets.error} />;
  if (!datasets.data) return <p>Loading…</p>;
  if (!datasets.data.datasets.length) return <p className="muted">No datasets yet: make one under “+ New dataset”.</p>;
  return (
    <ul className="datasets">
      {datasets.data.datasets.map((d) => (
        <DatasetRow key={d.id} dataset={d} itemIds={itemIds} />
      ))}
    </ul>
  );
}

function DatasetRow({ dataset, itemIds }: { dataset: Dataset; itemIds: number[] }) {
  const titleId = useId();
  const queries = useQueryClient();
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/datasets/{dataset_id}/items", {
          params: { path: { dataset_id: dataset.id } },
          body: { item_ids: itemIds },
        }),
      ),
    onSuccess: () => queries.invalidateQueries(),
  });
  return (
    <li>
      <span className="dataset-title" id={titleId}>
        {dataset.title}
      </span>
      {dataset.synced_folder_id !== null && <span className="badge">synced</span>}
      {add.isSuccess ? (
        <span className="done">Added</span>
      ) : (
        <button type="button" aria-describedby={titleId} disabled={add.isPending} onClick={() => add.mutate()}>
          Add
        </button>
      )}
      <Problem error={add.error} />
    </li>
  );
}

function NewDataset({ itemIds, folderId, onDone }: { itemIds: number[]; folderId: number; onDone: () => void }) {
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [synced, setSynced] = useState(false);
  const queries = useQueryClient();
  const made = useRef<Dataset | null>(null); // made already when only adding the files failed: not made twice
  const [create, submit] = useFormMutation({
    mutationFn: async () => {
      const body = { title, description, synced_folder_id: synced ? folderId : null, mirrored: false };
      const dataset = (made.current ??= await unwrap(api.POST("/api/v1/datasets", { body })));
      const path = { dataset_id: dataset.id };
      await unwrap(api.POST("/api/v1/datasets/{dataset_id}/items", { params: { path }, body: { item_ids: itemIds } }));
    },
    onSuccess: async () => {
      await queries.invalidateQueries();
      onDone();
    },
  });
  return (
    <form onSubmit={submit}>
      <NameFields label="Name" name={title} onName={setTitle} description={description} onDescription={setDescription} />
      <label className="toggle">
        <input type="checkbox" role="switch" checked={synced} onChange={(e) => setSynced(e.target.checked)} />
        Sync with this folder
      </label>
      {synced && <p className="muted">A synced dataset holds exactly this folder's files, now and later.</p>}
      <Problem error={create.error} />
      <button type="submit" className="primary" disabled={create.isPending}>
        Add to new dataset
      </button>
    </form>
  );
}
