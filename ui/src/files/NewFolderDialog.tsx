// "+ New folder" (seed 002): a name and a description; the services decide what is allowed.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Folder } from "../api/client";
import { Dialog, DialogFooter, Problem } from "../components/Dialog";
import { NameFields, useFormMutation } from "../components/Forms";

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
  const [create, submit] = useFormMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/folders", { body: { name, description, parent_id: parentId } })),
    onSuccess: async (folder) => {
      await queries.invalidateQueries();
      onCreated?.(folder);
      onClose();
    },
  });
  return (
    <Dialog title="New folder" onClose={onClose}>
      <form onSubmit={submit}>
        <NameFields label="Name" name={name} onName={setName} description={description} onDescription={setDescription} rows={3} />
        <Problem error={create.error} />
        <DialogFooter onClose={onClose} label="Create" pending={create.isPending} />
      </form>
    </Dialog>
  );
}
