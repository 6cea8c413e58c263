// Datasets: every dataset you may see, and "+ New dataset": plain (files added from Files), synced to a folder
// (it holds exactly that folder's files) or mirrored (a folder made with it, and synced to it); Re-encode a dataset's
// videos as one job, offered to those who manage the dataset (its owner, organization admins) as on its own page.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Dataset, type User } from "../api/client";
import { Dialog, DialogFooter, Problem } from "../components/Dialog";
import { FolderChooser, type Place } from "../components/FolderChooser";
import { NameFields, useFormMutation } from "../components/Forms";
import { ListTable, PageTitle, RowAction } from "../components/ListPage";
import { ReencodeDialog } from "../files/ReencodeDialog";
import { formatDate } from "../format";
import { navigate } from "../router";

export function DatasetsPage({ me }: { me: User }) {
  const datasets = useQuery({ queryKey: ["datasets"], queryFn: () => unwrap(api.GET("/api/v1/datasets")) });
  const [creating, setCreating] = useState(false);
  const [reencoding, setReencoding] = useState<Dataset | null>(null);
  const list = datasets.data?.datasets ?? [];
  return (
    <main className="page" aria-labelledby="datasets-title">
      <PageTitle id="datasets-title" title="Datasets" action="New dataset" onAction={() => setCreating(true)} />
      <Problem error={datasets.error} />
      {list.length > 0 && (
        <ListTable label="Datasets" columns={["Title", "Description", "Kind", "Created"]} actions>
          {list.map((d) => (
            <tr key={d.id}>
              <td>
                <a href={`/datasets/${d.id}`} onClick={(e) => (e.preventDefault(), navigate(`/datasets/${d.id}`))}>
                  {d.title}
                </a>
              </td>
              <td className="muted">{d.description}</td>
              <td>{kindOf(d)}</td>
              <td>{formatDate(d.created_at)}</td>
              <td className="right nowrap">
                {(me.is_org_admin || d.owner_id === me.id) && (
                  <RowAction label="Re-encode" of={d.title} onClick={() => setReencoding(d)} />
                )}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      {datasets.isSuccess && list.length === 0 && <p className="empty">No datasets yet: make one with New dataset.</p>}
      {creating && <NewDatasetDialog onClose={() => setCreating(false)} />}
      {reencoding && (
        <ReencodeDialog whole={{ kind: "dataset", dataset: reencoding }} onClose={() => setReencoding(null)} />
      )}
    </main>
  );
}

export function kindOf(dataset: Dataset): string {
  if (dataset.mirrored) return "Mirrored";
  return dataset.synced_folder_id !== null ? "Synced to a folder" : "Plain";
}

type Kind = "plain" | "synced" | "mirrored";

function NewDatasetDialog({ onClose }: { onClose: () => void }) {
  const queries = useQueryClient();
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState<Kind>("plain");
  const [folder, setFolder] = useState<Place | null>(null);
  const [create, submit] = useFormMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/datasets", {
          body: {
            title,
            description,
            synced_folder_id: kind === "synced" ? (folder?.id ?? null) : null,
            mirrored: kind === "mirrored",
            mirror_parent_id: kind === "mirrored" ? (folder?.id ?? null) : null,
          },
        }),
      ),
    onSuccess: async (made) => {
      await queries.invalidateQueries();
      navigate(`/datasets/${made.id}`);
    },
  });
  return (
    <Dialog title="New dataset" onClose={onClose}>
      <form onSubmit={submit}>
        <NameFields label="Title" name={title} onName={setTitle} description={description} onDescription={setDescription} />
        <fieldset className="kinds">
          <legend>Files</legend>
          {(
            [
              ["plain", "Added from Files"],
              ["synced", "Synced to a folder"],
              ["mirrored", "Mirrored (a new folder)"],
            ] as const
          ).map(([value, name]) => (
            <label key={value} className="toggle">
              <input type="radio" name="dataset-kind" checked={kind === value} onChange={() => setKind(value)} />
              {name}
            </label>
          ))}
        </fieldset>
        {kind === "synced" && <FolderChooser chosen={folder} onChoose={setFolder} />}
        {kind === "mirrored" && (
          <>
            <p className="muted small">Where its folder goes (none chosen: at the top of Files).</p>
            <FolderChooser chosen={folder} onChoose={setFolder} />
          </>
        )}
        <Problem error={create.error} />
        <DialogFooter onClose={onClose} label="Create" pending={create.isPending} />
      </form>
    </Dialog>
  );
}
