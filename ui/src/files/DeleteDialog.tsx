// Delete files or a folder, with seed 002's caution: a deleted file leaves every dataset it was added to.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { ConfirmDialog } from "../components/Dialog";
import { describe, type Target } from "./targets";

export function DeleteDialog({ target, onClose, onDeleted }: { target: Target; onClose: () => void; onDeleted: () => void }) {
  const queries = useQueryClient();
  const remove = useMutation({
    mutationFn: async () => {
      if (target.kind === "folder") {
        await unwrap(api.DELETE("/api/v1/folders/{folder_id}", { params: { path: { folder_id: target.folder.id } } }));
      } else {
        await unwrap(api.POST("/api/v1/items/delete", { body: { item_ids: target.ids, remove_unused_members: true } }));
      }
    },
    onSuccess: async () => {
      onDeleted();
      onClose();
      await queries.invalidateQueries();
    },
  });
  return (
    <ConfirmDialog
      title="Delete"
      question={`Delete ${describe(target)}?`}
      caution={
        target.kind === "folder"
          ? "Its sub-folders and files are deleted too, and the files are removed from every dataset they were added to."
          : "Deleting a file removes it from all datasets it was added to."
      }
      action="Delete"
      error={remove.error}
      pending={remove.isPending}
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    />
  );
}
