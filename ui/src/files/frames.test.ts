// Frame stepping by the frame map: the seek time lands inside frame N's display interval, and the frame on screen
// at a time is the last one shown at or before it, on maps with variable gaps and a first frame after 0 s.
import { describe, expect, it } from "vitest";
import { frameAt, frameDuration, seekTime, stepFrame } from "./frames";

const vfr = { seconds: [0.5, 0.533, 0.6, 0.7, 0.733] }; // a first frame at 0.5 s, uneven gaps

describe("frame map stepping", () => {
  it("seeks to the middle of each frame's interval, and reads that frame back", () => {
    vfr.seconds.forEach((start, n) => {
      const t = seekTime(vfr, n);
      expect(t).toBeGreaterThan(start);
      if (n + 1 < vfr.seconds.length) expect(t).toBeLessThan(vfr.seconds[n + 1]);
      expect(frameAt(vfr, t)).toBe(n);
    });
  });

  it("moves the times to the player's timeline by its origin", () => {
    expect(seekTime(vfr, 1, -0.5)).toBeCloseTo(0.0665, 6);
    expect(frameAt(vfr, 0.0665, -0.5)).toBe(1);
  });

  it("gives the last frame as long as the one before it", () => {
    expect(frameDuration(vfr, 4)).toBeCloseTo(0.033, 6);
    expect(frameDuration({ seconds: [0] }, 0)).toBeCloseTo(1 / 30, 6);
  });

  it("reads frame 0 before the first frame and the last after the end; a frame's own start is that frame", () => {
    expect(frameAt(vfr, 0)).toBe(0);
    expect(frameAt(vfr, 99)).toBe(4);
    expect(frameAt(vfr, 0.6)).toBe(2);
  });

  it("steps inside the video only", () => {
    expect(stepFrame(vfr, 0, -1)).toBe(0);
    expect(stepFrame(vfr, 4, 1)).toBe(4);
    expect(stepFrame(vfr, 2, 1)).toBe(3);
  });
});
