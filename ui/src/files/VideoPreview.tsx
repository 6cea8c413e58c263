// A video stepped frame by frame by its stored frame map: "Frame N / total" names the N-th visible frame (from 0,
// the index labels use), the one on screen, whatever the file's edit list, B-frames or variable frame rate.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { api, unwrap, type Item } from "../api/client";
import { Problem } from "../components/Dialog";
import { formatFrameTime, frameAt, seekTime, stepFrame, type FrameTimes } from "./frames";

type FrameCallback = (now: number, metadata: { mediaTime: number }) => void; // requestVideoFrameCallback's
type FramedVideo = HTMLVideoElement & { requestVideoFrameCallback?: (callback: FrameCallback) => number };

export function VideoPreview({ item, src }: { item: Item; src: string }) {
  const frameMap = useQuery({
    // The map changes only when the file is inspected again after its bytes changed, which changes what it says
    queryKey: ["frame-map", item.id, item.media.file_size, item.media.frame_count, item.edited_at],
    queryFn: () => unwrap(api.GET("/api/v1/items/{item_id}/frame-map", { params: { path: { item_id: item.id } } })),
    staleTime: 300_000,
  });
  return (
    <>
      {frameMap.isPending ? (
        <p className="muted">Loading…</p>
      ) : (
        <FramedPlayer key={item.id} title={item.title} src={src} map={frameMap.data ?? null} />
      )}
      <Problem error={frameMap.error} />
    </>
  );
}

function FramedPlayer({ title, src, map }: { title: string; src: string; map: FrameTimes | null }) {
  const video = useRef<FramedVideo>(null);
  const [frame, setFrame] = useState(0);
  const [unplayable, setUnplayable] = useState(false);
  const origin = useRef(0); // the player's time of the map's first frame, minus the map's (learnt when it shows)
  const learnt = useRef(false);
  const total = map?.seconds.length ?? 0;

  // The player's origin, from the first frame it presents (map frame 0) unless the user moved first.
  useEffect(() => {
    const player = video.current;
    if (!player?.requestVideoFrameCallback || !map) return;
    player.requestVideoFrameCallback((_, shown) => {
      if (learnt.current) return; // a frame shown after a seek is not the first
      learnt.current = true;
      origin.current = shown.mediaTime - map.seconds[0];
    });
  }, [map]);

  // The frame on screen at the player's time: after a seek (a step lands inside frame N's interval, so it reads N;
  // a drag of the native scrubber reads the frame it stopped on), while playing, and where playing stopped.
  const follow = (player: HTMLVideoElement) => map && setFrame(frameAt(map, player.currentTime, origin.current));

  const show = (n: number) => {
    const player = video.current;
    if (!player || !map) return;
    learnt.current = true; // a frame shown from now on may not be the first
    player.pause();
    setFrame(n);
    player.currentTime = seekTime(map, n, origin.current);
  };
  const step = (by: number) => map && show(stepFrame(map, frame, by));
  const onKeyDown = (e: KeyboardEvent) => {
    const by = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
    if (by === undefined || !map || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault(); // not the native controls' five-second jump
    step(by);
  };

  return (
    <div className="video-preview" role="group" aria-label="Video frames" onKeyDown={onKeyDown}>
      <video
        ref={video}
        src={src}
        controls
        playsInline
        preload="auto"
        aria-label={`Play ${title}`}
        onError={() => setUnplayable(true)}
        onSeeked={(e) => follow(e.currentTarget)}
        onTimeUpdate={(e) => !e.currentTarget.paused && follow(e.currentTarget)}
        onPause={(e) => follow(e.currentTarget)}
      />
      {unplayable && (
        <p role="alert" className="error">
          This browser cannot play the video: see its codec and container checks below, with the fix.
        </p>
      )}
      <div className="frame-controls">
        <button type="button" aria-label="Previous frame" title="Previous frame (←)" disabled={!map || frame === 0} onClick={() => step(-1)}>
          ◀
        </button>
        <output className="frame-counter" aria-live="polite" title="The frame's index as labels use it: the first frame is 0">
          {map ? `Frame ${frame} / ${total}` : "Frame — / —"}
        </output>
        <button
          type="button"
          aria-label="Next frame"
          title="Next frame (→)"
          disabled={!map || frame >= total - 1}
          onClick={() => step(1)}
        >
          ▶
        </button>
        <span className="frame-time">{map && total ? formatFrameTime(map.seconds[frame]) : ""}</span>
      </div>
    </div>
  );
}
