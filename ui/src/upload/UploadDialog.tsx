// "+ Upload files" (seed 002): into the open folder (or another, chosen by typing its name), by one of four ways: Upload (files, each with its progress),
// Batch images as (an image group or sequence), DICOM (a series), Import from private cloud (a manifest).
import { useState } from "react";
import type { Folder } from "../api/client";
import { Dialog } from "../components/Dialog";
import { FolderChooser, type Place } from "../components/FolderChooser";
import { Tabs } from "../components/Tabs";
import { CloudImport } from "./CloudImport";
import { BatchUpload, FilesUpload } from "./LocalUpload";

const TABS = [
  ["upload", "Upload"],
  ["batch", "Batch images as"],
  ["dicom", "DICOM"],
  ["cloud", "Import from private cloud"],
] as const;
type Tab = (typeof TABS)[number][0];

export function UploadDialog({ folder, onClose }: { folder: Folder; onClose: () => void }) {
  const [tab, setTab] = useState<Tab>("upload");
  const [target, setTarget] = useState<Place>(() => ({
    id: folder.id,
    path: (folder.path_to_root ?? []).map((p) => p.name).join(" / ") || folder.name,
  }));
  const [choosing, setChoosing] = useState(false);
  return (
    <Dialog title="Upload files" onClose={onClose} wide>
      <p className="muted target">
        Into <strong className="ink">{target.path}</strong>
        <button type="button" className="link" aria-expanded={choosing} onClick={() => setChoosing(!choosing)}>
          Change folder
        </button>
      </p>
      {choosing && <FolderChooser chosen={target} onChoose={(place) => (setTarget(place), setChoosing(false))} />}
      <Tabs
        label="How to add files"
        tabs={TABS}
        chosen={tab}
        onChoose={setTab}
        panels={{
          upload: <FilesUpload folderId={target.id} />,
          batch: <BatchUpload folderId={target.id} dicom={false} />,
          dicom: <BatchUpload folderId={target.id} dicom />,
          cloud: <CloudImport folderId={target.id} />,
        }}
      />
      <footer>
        <button type="button" onClick={onClose}>
          Done
        </button>
      </footer>
    </Dialog>
  );
}
