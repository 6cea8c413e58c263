// Frame stepping by the stored frame map (GET /items/{id}/frame-map): frame N is the N-th visible frame in display
// order, the frame labels are put on, whatever the file's edit list, B-frames or variable frame rate.
//
// A frame is on screen from its presentation time until the next frame's. To show frame N the player is sent to a
// time inside that interval (its middle), never to its start: a browser rounding the time down by a microsecond
// would show frame N - 1. The map's times are FFmpeg's; a browser's media timeline may start elsewhere, so the
// times are moved by `origin`: the browser's time of the map's first frame minus the map's (0 when they agree).

/** What the preview needs of a frame map: each visible frame's presentation time in seconds, in display order. */
export interface FrameTimes {
  seconds: number[];
}

/** How long frame `n` is shown: until the next frame, and for the last one as long as the one before it (or 1/30 s
 * in a video of one frame). */
export function frameDuration(map: FrameTimes, n: number): number {
  const { seconds } = map;
  if (n + 1 < seconds.length) return seconds[n + 1] - seconds[n];
  if (n > 0) return seconds[n] - seconds[n - 1];
  return 1 / 30;
}

/** The time to seek the player to so that it shows frame `n` (the middle of the frame's display interval). */
export function seekTime(map: FrameTimes, n: number, origin = 0): number {
  return Math.max(0, map.seconds[n] + frameDuration(map, n) / 2 + origin);
}

/** The frame on screen at the player's time `t`: the last frame whose time is at most `t` (frame 0 before it). */
export function frameAt(map: FrameTimes, t: number, origin = 0): number {
  const { seconds } = map;
  const wanted = t - origin + 1e-6; // a browser's times are rounded to microseconds
  let low = 0;
  let high = seconds.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (seconds[middle] <= wanted) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Frame `n` moved by `step` frames, kept inside the video. */
export function stepFrame(map: FrameTimes, n: number, step: number): number {
  return Math.max(0, Math.min(map.seconds.length - 1, n + step));
}

/** "1.033 s": a frame's time, to the millisecond. */
export function formatFrameTime(seconds: number): string {
  return `${seconds.toFixed(3)} s`;
}
