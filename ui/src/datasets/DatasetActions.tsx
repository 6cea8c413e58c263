// What a dataset's owner (or an organization admin) may do to it on its page: Edit its title and description,
// Re-sync it (to its folder or another; or stop syncing), Sync a plain one to a folder, and Delete it — its files
// stay in their folders. Every refusal is the API's message, next to the control that caused it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type Dataset } from "../api/client";
import { ConfirmDialog, Dialog, DialogFooter, Problem } from "../components/Dialog";
import { FolderChooser, type Place } from "../components/FolderChooser";
import { navigate } from "../router";

type Open = "edit" | "sync" | "delete" | null;

export function DatasetActions({ dataset }: { dataset: Dataset }) {
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  const synced = dataset.synced_folder_id !== null;
  return (
    <div className="actions">
      <button type="button" onClick={() => setOpen("edit")}>
        Edit
      </button>
      <button type="button" onClick={() => setOpen("sync")}>
        {synced ? "Re-sync" : "Sync to a folder"}
      </button>
      <button type="button" className="danger-text" onClick={() => setOpen("delete")}>
        Delete
      </button>
      {open === "edit" && <EditDialog dataset={dataset} onClose={close} />}
      {open === "sync" && <SyncDialog dataset={dataset} onClose={close} />}
      {open === "delete" && <DeleteDatasetDialog dataset={dataset} onClose={close} />}
    </div>
  );
}

function useRefresh(dataset: Dataset) {
  const queries = useQueryClient();
  return async () => {
    await queries.invalidateQueries({ queryKey: ["datasets"] });
    await queries.invalidateQueries({ queryKey: ["dataset", dataset.id] });
    await queries.invalidateQueries({ queryKey: ["dataset-items", dataset.id] });
  };
}

function EditDialog({ dataset, onClose }: { dataset: Dataset; onClose: () => void }) {
  const [title, setTitle] = useState(dataset.title);
  const [description, setDescription] = useState(dataset.description);
  const refresh = useRefresh(dataset);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: dataset.id } }, body: { title, description } }),
      ),
    onSuccess: async () => (await refresh(), onClose()),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Dialog title="Edit dataset" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Description
          <textarea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <Problem error={save.error} />
        <DialogFooter onClose={onClose} label="Save" pending={save.isPending} />
      </form>
    </Dialog>
  );
}

/** POST /datasets/{id}/sync: a synced dataset holds exactly its folder's files, as they are now and later. */
function SyncDialog({ dataset, onClose }: { dataset: Dataset; onClose: () => void }) {
  const current = dataset.synced_folder_id;
  const folder = useQuery({
    queryKey: ["folder", current],
    queryFn: () => unwrap(api.GET("/api/v1/folders/{folder_id}", { params: { path: { folder_id: current! } } })),
    enabled: current !== null,
  });
  const [chosen, setChosen] = useState<Place | null>(null);
  const shown: Place | null =
    chosen ?? (folder.data ? { id: folder.data.id, path: (folder.data.path_to_root ?? []).map((p) => p.name).join(" / ") } : null);
  const refresh = useRefresh(dataset);
  const sync = useMutation({
    mutationFn: (folderId: number | null) =>
      unwrap(
        api.POST("/api/v1/datasets/{dataset_id}/sync", { params: { path: { dataset_id: dataset.id } }, body: { folder_id: folderId } }),
      ),
    onSuccess: async () => (await refresh(), onClose()),
  });
  return (
    <Dialog title={current !== null ? "Re-sync" : "Sync to a folder"} onClose={onClose}>
      <p className="muted">
        {current !== null
          ? `Synced to ${shown?.path ?? "its folder"}: the dataset holds exactly that folder's files. Re-sync it to that folder or choose another.`
          : "The dataset will hold exactly the folder's files, now and as they change. The files added to it by hand leave it (they stay in their folders)."}
      </p>
      <FolderChooser chosen={shown} onChoose={setChosen} />
      {shown && <p className="small">Sync to: {shown.path}</p>}
      <Problem error={sync.error ?? folder.error} />
      <footer className={current !== null ? "split" : undefined}>
        {current !== null && (
          <button type="button" className="quiet" disabled={sync.isPending} onClick={() => sync.mutate(null)}>
            Stop syncing (its files stay in the dataset)
          </button>
        )}
        <span className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={sync.isPending || !shown} onClick={() => shown && sync.mutate(shown.id)}>
            {current !== null ? "Re-sync" : "Sync"}
          </button>
        </span>
      </footer>
    </Dialog>
  );
}

function DeleteDatasetDialog({ dataset, onClose }: { dataset: Dataset; onClose: () => void }) {
  const queries = useQueryClient();
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: dataset.id } } })),
    onSuccess: async () => {
      queries.removeQueries({ queryKey: ["dataset", dataset.id] });
      await queries.invalidateQueries({ queryKey: ["datasets"] });
      navigate("/datasets");
    },
  });
  return (
    <ConfirmDialog
      title="Delete dataset"
      question={`Delete the dataset ${dataset.title}?`}
      caution={`Its files stay in their folders${dataset.mirrored ? ", and its folder stays in Files" : ""}: only the dataset goes, with the list of files it held.`}
      action="Delete"
      error={remove.error}
      pending={remove.isPending}
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    />
  );
}
