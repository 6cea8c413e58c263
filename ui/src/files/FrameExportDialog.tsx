// Export frames (seed 004 "Converting videos to images"): a video's frames as PNG or JPEG images in a sub-folder
// `<title>_frames` of its folder, numbered from 0 by the stored frame map: all of them, a range, every Nth, key
// frames only, or those listed in its client metadata; optionally registered as an image group or sequence.
import { useId, useState } from "react";
import { api, unwrap, type Item } from "../api/client";
import { Dialog, DialogFooter } from "../components/Dialog";
import { DestinationChoice, JobStarted, OtherProblem, useJobStart, type Destination } from "../jobs/StartJob";

type Which = "all" | "range" | "metadata";
type Grouping = "group" | "sequence" | null;
type Format = "png" | "jpeg";

const WHICH: [Which, string][] = [
  ["all", "Every frame"],
  ["range", "A range of frames"],
  ["metadata", "The key frames listed in its client metadata (keyframes)"],
];
const GROUPINGS: [Grouping, string][] = [
  [null, "Separate images"],
  ["group", "An image group"],
  ["sequence", "An image sequence (its video is then built)"],
];

export function FrameExportDialog({ video, onClose }: { video: Item; onClose: () => void }) {
  const id = useId();
  const [which, setWhich] = useState<Which>("all");
  const [from, setFrom] = useState("0");
  const [to, setTo] = useState("");
  const [every, setEvery] = useState("1");
  const [keyFrames, setKeyFrames] = useState(false);
  const [format, setFormat] = useState<Format>("png");
  const [grouping, setGrouping] = useState<Grouping>(null);
  const [destination, setDestination] = useState<Destination>("managed");
  const [start, submit] = useJobStart(() =>
    unwrap(
      api.POST("/api/v1/items/{item_id}/frame-export", {
        params: { path: { item_id: video.id } },
        body: {
          start: which === "range" ? Number(from) : 0,
          stop: which === "range" && to.trim() ? Number(to) : null,
          every: Number(every),
          key_frames: which !== "metadata" && keyFrames,
          client_metadata_key_frames: which === "metadata",
          format,
          as: grouping,
          destination: destination === "bucket" ? "bucket" : "managed",
        },
      }),
    ),
  );
  if (start.data)
    return (
      <JobStarted title="Export frames" job={start.data} onClose={onClose}>
        The images are added to a new folder “{stemOf(video.title)}_frames” next to the video
        {destination === "bucket" ? " (their objects under a free prefix next to the video's in its bucket)" : ""};
        you are notified when it ends.
      </JobStarted>
    );
  return (
    <Dialog title="Export frames" onClose={onClose} wide>
      <form onSubmit={submit}>
        <p>
          Frames of <strong className="break">{video.title}</strong>, numbered from 0 in the order of its stored frame
          map (the frames labels are put on).
        </p>
        <fieldset className="kinds stacked">
          <legend>Which frames</legend>
          {WHICH.map(([value, label]) => (
            <label key={value} className="toggle">
              <input type="radio" name="frames-which" checked={which === value} onChange={() => setWhich(value)} />
              {label}
            </label>
          ))}
        </fieldset>
        {which === "range" && (
          <div className="inline-form">
            <label htmlFor={`${id}-from`}>
              From frame
              <input id={`${id}-from`} type="number" min={0} required value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label htmlFor={`${id}-to`}>
              Up to (not included; empty: the end)
              <input id={`${id}-to`} type="number" min={0} value={to} onChange={(e) => setTo(e.target.value)} />
            </label>
          </div>
        )}
        {which !== "metadata" && (
          <div className="inline-form">
            <label htmlFor={`${id}-every`}>
              Every Nth frame
              <input id={`${id}-every`} type="number" min={1} required value={every} onChange={(e) => setEvery(e.target.value)} />
            </label>
            <label className="toggle">
              <input type="checkbox" checked={keyFrames} onChange={(e) => setKeyFrames(e.target.checked)} />
              Key frames only
            </label>
          </div>
        )}
        <fieldset className="kinds">
          <legend>Image format</legend>
          {(["png", "jpeg"] as const).map((f) => (
            <label key={f} className="toggle">
              <input type="radio" name="frames-format" checked={format === f} onChange={() => setFormat(f)} />
              {f.toUpperCase()}
            </label>
          ))}
        </fieldset>
        <fieldset className="kinds stacked">
          <legend>Register the images as</legend>
          {GROUPINGS.map(([value, label]) => (
            <label key={String(value)} className="toggle">
              <input type="radio" name="frames-grouping" checked={grouping === value} onChange={() => setGrouping(value)} />
              {label}
            </label>
          ))}
        </fieldset>
        <DestinationChoice value={destination} onChange={setDestination} error={start.error} automatic={false} />
        <OtherProblem error={start.error} />
        <DialogFooter onClose={onClose} label="Export frames" pending={start.isPending} />
      </form>
    </Dialog>
  );
}

function stemOf(title: string): string {
  return title.includes(".") ? title.slice(0, title.lastIndexOf(".")) : title;
}
