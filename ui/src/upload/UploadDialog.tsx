// "+ Upload files" (seed 002): into the open folder, by one of four ways: Upload (files, each with its progress),
// Batch images as (an image group or sequence), DICOM (a series), Import from private cloud (a manifest).
import { useState } from "react";
import type { Folder } from "../api/client";
import { Dialog } from "../components/Dialog";
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
  const where = (folder.path_to_root ?? []).map((p) => p.name).join(" / ") || folder.name;
  return (
    <Dialog title="Upload files" onClose={onClose} wide>
      <p className="muted">
        Into <strong className="ink">{where}</strong>
      </p>
      <Tabs
        label="How to add files"
        tabs={TABS}
        chosen={tab}
        onChoose={setTab}
        panels={{
          upload: <FilesUpload folderId={folder.id} />,
          batch: <BatchUpload folderId={folder.id} dicom={false} />,
          dicom: <BatchUpload folderId={folder.id} dicom />,
          cloud: <CloudImport folderId={folder.id} />,
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
