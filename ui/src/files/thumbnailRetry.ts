// A thumbnail not made yet: the API answers 202 with Retry-After while a background job makes it (an <img> sees
// only an error). After such an error the URL is asked again with fetch, which sees the status: while it is 202,
// after its Retry-After and then half as long again each time; once it is 200 the <img> is mounted again (the browser has the
// picture in its cache by then); a 404 (`no_thumbnail`) or an answer that never comes leaves the kind's icon.
import { useEffect, useRef, useState } from "react";

const MAX_ATTEMPTS = 20;
const LONGEST_PAUSE_MS = 4000;

/** Whether the thumbnail at `url` is there: asks while the API answers 202, waiting longer each time. */
export async function thumbnailReady(url: string, signal: AbortSignal): Promise<boolean> {
  let pause = 1000;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const answer = await fetch(url, { credentials: "same-origin", signal, priority: "low" } as RequestInit);
    if (answer.status !== 202) return answer.ok;
    const asked = Number(answer.headers.get("Retry-After")) * 1000;
    await sleep(Math.max(asked || 0, pause), signal);
    pause = Math.min(pause * 1.5, LONGEST_PAUSE_MS);
  }
  return false;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/** For an <img> of a thumbnail: `attempt` (its key: a new one mounts it again) and `retry(url, giveUp)` to call from
 * its onError; `giveUp` runs when the API has no thumbnail. What is in flight stops when the component goes. */
export function useThumbnailRetry(): { attempt: number; retry: (url: string, giveUp: () => void) => void } {
  const [attempt, setAttempt] = useState(0);
  const inFlight = useRef<AbortController | null>(null);
  useEffect(() => () => inFlight.current?.abort(), []);
  const retry = (url: string, giveUp: () => void) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    thumbnailReady(url, controller.signal).then(
      (ready) => {
        if (controller.signal.aborted) return;
        if (ready) setAttempt((before) => before + 1);
        else giveUp();
      },
      () => {
        if (!controller.signal.aborted) giveUp();
      },
    );
  };
  return { attempt, retry };
}
