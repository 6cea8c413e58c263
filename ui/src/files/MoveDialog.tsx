// "Move to another folder" (seed 002): start typing a folder's name, pick it, Move.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { Dialog, Problem } from "../components/Dialog";
import { describe, type Target } from "./targets";

interface Place {
  id: number;
  path: string;
}

function flatten(nodes: Schemas["FolderNodePublic"][], prefix = ""): Place[] {
  return nodes.flatMap((node) => {
    const path = prefix ? `${prefix} / ${node.name}` : node.name;
    return node.kind === "members" ? [] : [{ id: node.id, path }, ...flatten(node.children, path)];
  });
}

export function MoveDialog({ target, onClose, onMoved }: { target: Target; onClose: () => void; onMoved: () => void }) {
  const [text, setText] = useState("");
  const [chosen, setChosen] = useState<Place | null>(null);
  const queries = useQueryClient();
  const tree = useQuery({ queryKey: ["tree"], queryFn: () => unwrap(api.GET("/api/v1/folders/tree")) });
  const places = useMemo(() => flatten(tree.data?.roots ?? []), [tree.data]);
  const needle = text.trim().toLowerCase();
  const matches = needle ? places.filter((p) => p.path.toLowerCase().includes(needle)).slice(0, 50) : places.slice(0, 50);
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
      <label>
        Folder
        <input
          type="search"
          placeholder="Start typing a folder's name"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <Problem error={tree.error} />
      <ul className="choices" aria-label="Matching folders">
        {matches.map((place) => (
          <li key={place.id}>
            <button
              type="button"
              aria-pressed={chosen?.id === place.id}
              className={chosen?.id === place.id ? "choice chosen" : "choice"}
              onClick={() => setChosen(place)}
            >
              {place.path}
            </button>
          </li>
        ))}
      </ul>
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
