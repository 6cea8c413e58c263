// "Move to another folder" (seed 002): start typing a folder's name, pick it, Move.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { Dialog, Problem } from "../components/Dialog";
import { FolderChooser, type Place } from "../components/FolderChooser";
import { describe, type Target } from "./targets";

export function MoveDialog({ target, onClose, onMoved }: { target: Target; onClose: () => void; onMoved: () => void }) {
  const [chosen, setChosen] = useState<Place | null>(null);
  const queries = useQueryClient();
  const move = useMutation({
    mutationFn: async (to: Place) => {
      if (target.kind === "folder") {
        const path = { folder_id: target.folder.id };
        await unwrap(api.POST("/api/v1/folders/{folder_id}/move", { params: { path }, body: { parent_id: to.id } }));
      } else {
        await unwrap(api.POST("/api/v1/items/move", { body: { item_ids: target.ids, folder_id: to.id } }));
      }
    },
    onSuccess: async () => {
      onMoved();
      onClose();
      await queries.invalidateQueries();
    },
  });
  return (
    <Dialog title="Move to another folder" onClose={onClose}>
      <p>Move {describe(target)} to:</p>
      <FolderChooser chosen={chosen} onChoose={setChosen} />
      <Problem error={move.error} />
      <footer>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={!chosen || move.isPending}
          onClick={() => chosen && move.mutate(chosen)}
        >
          Move
        </button>
      </footer>
    </Dialog>
  );
}
