// The rows first. While a page's rows are on their way (a folder's files, search results), the requests that fill
// the rest of the screen (the folder tree, the details pane's counts, the bell's notifications, the event stream)
// wait until those rows are painted: the one server process then answers the rows' request alone, rather than six
// requests at once sharing its time. The wait is short and bounded: if the rows never come (an error, a page
// without rows), the rest goes on after LONGEST_WAIT_MS.

/** The most the rest of the page waits for its rows. */
export const LONGEST_WAIT_MS = 1500;

interface Hold {
  shown: Promise<void>;
  release: () => void;
}

let hold: Hold | null = null;

/** Whether a page at `pathname` shows rows the user waits for (a folder's table, search results). */
export function showsRows(pathname: string): boolean {
  return /^\/files\/\d+$/.test(pathname) || pathname === "/search";
}

/** A page with rows is opening: hold the rest of its requests until `rowsShown` (or LONGEST_WAIT_MS). */
export function holdForRows(): void {
  if (hold) return;
  let release = () => {};
  const shown = new Promise<void>((resolve) => (release = resolve));
  const timer = setTimeout(() => done(), LONGEST_WAIT_MS);
  const done = () => {
    clearTimeout(timer);
    if (hold?.shown === shown) hold = null;
    release();
  };
  hold = { shown, release: done };
}

/** The rows are in the DOM (or their request failed): once the browser has painted them, let the rest go. */
export function rowsShown(): void {
  const held = hold;
  if (!held) return;
  // The next frame is painted after this callback; the task after it runs once the frame is on screen.
  requestAnimationFrame(() => setTimeout(held.release, 0));
}

/** The page left for one without rows: nothing waits any more. */
export function stopHolding(): void {
  hold?.release();
}

/** Resolves at once, or once the rows being awaited are painted. */
export function afterRows(): Promise<void> {
  return hold?.shown ?? Promise.resolve();
}

/** A query function for what is not the rows: it starts once they are shown. */
export function afterRowsShown<A extends unknown[], T>(query: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  return async (...args: A) => {
    await afterRows();
    return query(...args);
  };
}
