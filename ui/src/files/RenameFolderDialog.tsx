// Rename a folder (its context menu). The services' name rules (not empty, no "/", no control characters, unique
// among its siblings) are the API's to say: its message is shown under the name, and what was typed stays.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, unwrap, type Folder } from "../api/client";
import { Dialog, DialogFooter } from "../components/Dialog";

export function RenameFolderDialog({ folder, onClose }: { folder: Folder; onClose: () => void }) {
  const id = useId();
  const [name, setName] = useState(folder.name);
  const queries = useQueryClient();
  const rename = useMutation({
    mutationFn: () =>
      unwrap(api.PATCH("/api/v1/folders/{folder_id}", { params: { path: { folder_id: folder.id } }, body: { name } })),
    onSuccess: async () => {
      await queries.invalidateQueries();
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate();
  };
  return (
    <Dialog title={`Rename ${folder.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label>
          Name
          <input
            value={name}
            aria-invalid={rename.error ? true : undefined}
            aria-describedby={rename.error ? `${id}-problem` : undefined}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        {rename.error && (
          <p id={`${id}-problem`} role="alert" className="error field-error">
            {rename.error.message}
          </p>
        )}
        <DialogFooter onClose={onClose} label="Rename" pending={rename.isPending} />
      </form>
    </Dialog>
  );
}
