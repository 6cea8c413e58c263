// "+ New folder" (seed 002): a name and a description; the services decide what is allowed.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type Folder } from "../api/client";
import { Dialog, Problem } from "../components/Dialog";

export function NewFolderDialog({
  parentId,
  onClose,
  onCreated,
}: {
  parentId: number | null;
  onClose: () => void;
  onCreated?: (folder: Folder) => void;
}) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const queries = useQueryClient();
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/folders", { body: { name, description, parent_id: parentId } })),
    onSuccess: async (folder) => {
      await queries.invalidateQueries();
      onCreated?.(folder);
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Dialog title="New folder" onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Description
          <textarea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <Problem error={create.error} />
        <footer>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
