// The folder tree beside the table: each level is asked for when it is opened (any depth, nothing loaded ahead).
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, unwrap, type Folder } from "../api/client";
import { afterRowsShown } from "../api/firstRows";
import { Problem } from "../components/Dialog";
import { folderPath, navigate } from "../router";

function useChildren(parentId: number | null, openId: number | null, enabled = true) {
  const children = () => unwrap(api.GET("/api/v1/folders", { params: { query: { parent_id: parentId } } }));
  return useQuery({
    queryKey: ["folders", parentId],
    // The open folder's sub-folders are among its rows (the same query as the table's): not held back for them.
    queryFn: parentId === openId ? children : afterRowsShown(children),
    enabled,
  });
}

export function FolderTree({ openId, openPath }: { openId: number | null; openPath: readonly number[] }) {
  const top = useChildren(null, openId);
  return (
    <nav className="tree" aria-label="Folders">
      <button
        type="button"
        className={openId === null ? "tree-root current" : "tree-root"}
        aria-current={openId === null ? "page" : undefined}
        onClick={() => navigate(folderPath(null))}
      >
        All folders
      </button>
      <Problem error={top.error} />
      {top.data && <Level folders={top.data.folders} openId={openId} openPath={openPath} />}
    </nav>
  );
}

function Level({ folders, openId, openPath }: { folders: Folder[]; openId: number | null; openPath: readonly number[] }) {
  return (
    <ul>
      {folders.map((f) => (
        <Node key={f.id} folder={f} openId={openId} openPath={openPath} />
      ))}
    </ul>
  );
}

function Node({ folder, openId, openPath }: { folder: Folder; openId: number | null; openPath: readonly number[] }) {
  const onPath = openPath.includes(folder.id) && folder.id !== openId;
  const [expanded, setExpanded] = useState(onPath);
  useEffect(() => {
    if (onPath) setExpanded(true); // the open folder is below: show the way to it
  }, [onPath]);
  const children = useChildren(folder.id, openId, expanded);
  const current = folder.id === openId;
  return (
    <li>
      <div className={current ? "tree-row current" : "tree-row"}>
        <button
          type="button"
          className="twisty"
          aria-expanded={expanded}
          aria-label={`${expanded ? "Collapse" : "Expand"} ${folder.name}`}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? "▾" : "▸"}
        </button>
        <a
          href={folderPath(folder.id)}
          aria-current={current ? "page" : undefined}
          onClick={(e) => (e.preventDefault(), navigate(folderPath(folder.id)))}
        >
          <span className="folder-icon" aria-hidden="true" />
          {folder.name}
        </a>
      </div>
      {expanded && <Problem error={children.error} />}
      {expanded && children.data && children.data.folders.length > 0 && (
        <Level folders={children.data.folders} openId={openId} openPath={openPath} />
      )}
    </li>
  );
}
