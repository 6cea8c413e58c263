// Choose a folder by typing part of its path (Move to another folder; a dataset synced to a folder).
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { Problem } from "./Dialog";

export interface Place {
  id: number;
  path: string;
}

function flatten(nodes: Schemas["FolderNodePublic"][], prefix = ""): Place[] {
  return nodes.flatMap((node) => {
    const path = prefix ? `${prefix} / ${node.name}` : node.name;
    return node.kind === "members" ? [] : [{ id: node.id, path }, ...flatten(node.children, path)];
  });
}

export function FolderChooser({ chosen, onChoose }: { chosen: Place | null; onChoose: (place: Place) => void }) {
  const [text, setText] = useState("");
  const tree = useQuery({ queryKey: ["tree"], queryFn: () => unwrap(api.GET("/api/v1/folders/tree")) });
  const places = useMemo(() => flatten(tree.data?.roots ?? []), [tree.data]);
  const needle = text.trim().toLowerCase();
  const matches = needle ? places.filter((p) => p.path.toLowerCase().includes(needle)).slice(0, 50) : places.slice(0, 50);
  return (
    <>
      <label>
        Folder
        <input type="search" placeholder="Start typing a folder's name" value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <Problem error={tree.error} />
      <ul className="choices" aria-label="Matching folders">
        {matches.map((place) => (
          <li key={place.id}>
            <button
              type="button"
              aria-pressed={chosen?.id === place.id}
              className={chosen?.id === place.id ? "choice chosen" : "choice"}
              onClick={() => onChoose(place)}
            >
              {place.path}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
