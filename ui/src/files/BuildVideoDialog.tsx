// Build video (seed 000/004): an image sequence's video built again, each image one frame in order at the frame
// rate chosen, sized as the first image; written next to the first image in its bucket or in managed storage.
import { useState } from "react";
import { api, unwrap, type Item } from "../api/client";
import { Dialog, DialogFooter } from "../components/Dialog";
import { DestinationChoice, JobStarted, OtherProblem, useJobStart, type Destination } from "../jobs/StartJob";

export function BuildVideoDialog({ sequences, onClose }: { sequences: Item[]; onClose: () => void }) {
  const [fps, setFps] = useState("30");
  const [destination, setDestination] = useState<Destination>(null);
  const [start, submit] = useJobStart(() =>
    unwrap(
      api.POST("/api/v1/sequence-videos", {
        body: { item_ids: sequences.map((s) => s.id), fps: fps.trim() || null, destination },
      }),
    ),
  );
  if (start.data)
    return (
      <JobStarted title="Build video" job={start.data} onClose={onClose}>
        Each sequence plays its new video once the job ends; you are notified then.
      </JobStarted>
    );
  const names = sequences.map((s) => s.title).join(", ");
  return (
    <Dialog title="Build video" onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          The video of <strong className="break">{names}</strong> is built again: each image one frame, in order, sized
          as the first image (others fitted, never stretched).
        </p>
        <label>
          Frame rate (frames per second)
          <input required value={fps} onChange={(e) => setFps(e.target.value)} placeholder="30, 29.97 or 30000/1001" />
        </label>
        <DestinationChoice value={destination} onChange={setDestination} error={start.error} />
        <OtherProblem error={start.error} />
        <DialogFooter onClose={onClose} label="Build video" pending={start.isPending} />
      </form>
    </Dialog>
  );
}
