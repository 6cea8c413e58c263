// Where files come in: dropped onto the zone, or picked with the file chooser its label opens.
import { useState, type DragEvent } from "react";

export function DropZone({
  label,
  hint,
  accept,
  multiple = true,
  onFiles,
}: {
  label: string;
  hint: string;
  accept: string;
  multiple?: boolean;
  onFiles: (files: File[]) => void;
}) {
  const [over, setOver] = useState(false);
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = [...e.dataTransfer.files];
    if (files.length) onFiles(multiple ? files : files.slice(0, 1));
  };
  return (
    <div
      className={`dropzone${over ? " over" : ""}`}
      data-testid="dropzone"
      onDragOver={(e) => (e.preventDefault(), setOver(true))}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <p>
        <strong>Drag and drop</strong> {hint}, or
      </p>
      <label className="button-like">
        {label}
        <input
          type="file"
          className="visually-hidden"
          accept={accept}
          multiple={multiple}
          onChange={(e) => {
            onFiles([...(e.target.files ?? [])]);
            e.target.value = ""; // the same file may be chosen again (after fixing it)
          }}
        />
      </label>
    </div>
  );
}
