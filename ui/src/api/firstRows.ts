// The rows first. While a page's rows are on their way (a folder's sub-folders and first files, search results), as
// little else as may be is asked of the one server process: its threads share one interpreter, so a request answered
// beside others takes about as long as all of them (measured with Server-Timing: a folder's first page of files took
// 28 ms in cairn alone, 47 ms beside the folder and its sub-folders). Two gates, each short and bounded
// (LONGEST_WAIT_MS, if the rows never come):
// - what the page shows beside the rows but cannot do without (the open folder: its name, path and the caller's
//   role) is asked for once the rows' answer is in: `afterRowsAnswered`;
// - what fills the rest of the screen (the folder tree, the details pane's counts, the bell's notifications, the
//   event stream) once the rows are painted: `afterRowsShown`.

/** The most the rest of the page waits for its rows. */
export const LONGEST_WAIT_MS = 1500;

interface Gate {
  passed: Promise<void>;
  open: () => void;
}

interface Hold {
  answered: Gate;
  shown: Gate;
  /** Both gates open; the page holds nothing any more. */
  release: () => void;
}

let hold: Hold | null = null;

function gate(): Gate {
  let open = () => {};
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/** Whether a page at `pathname` shows rows the user waits for (a folder's table, search results). */
export function showsRows(pathname: string): boolean {
  return /^\/files\/\d+$/.test(pathname) || pathname === "/search";
}

/** A page with rows is opening: hold the rest of its requests until the rows are answered, or shown (or until
 * LONGEST_WAIT_MS). */
export function holdForRows(): void {
  if (hold) return;
  const answered = gate();
  const shown = gate();
  const release = () => {
    clearTimeout(timer);
    if (hold === made) hold = null;
    answered.open();
    shown.open();
  };
  const made: Hold = { answered, shown, release };
  const timer = setTimeout(release, LONGEST_WAIT_MS);
  hold = made;
}

/** The rows' answer is in (or their request failed): what the page needs beside them may be asked for. */
export function rowsAnswered(): void {
  hold?.answered.open();
}

/** The rows are in the DOM (or their request failed): once the browser has painted them, let the rest go. */
export function rowsShown(): void {
  const held = hold;
  if (!held) return;
  held.answered.open();
  // The next frame is painted after this callback; the task after it runs once the frame is on screen.
  requestAnimationFrame(() => setTimeout(held.release, 0));
}

/** The page left for one without rows: nothing waits any more. */
export function stopHolding(): void {
  hold?.release();
}

/** Resolves at once, or once the rows being awaited are painted. */
export function afterRows(): Promise<void> {
  return hold?.shown.passed ?? Promise.resolve();
}

/** A query function for what is not the rows: it starts once they are shown. */
export function afterRowsShown<A extends unknown[], T>(query: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  return async (...args: A) => {
    await afterRows();
    return query(...args);
  };
}

/** A query function for what the page needs beside its rows (the open folder): it starts once the rows' answer is
 * in, so that the rows' request shares the server with as little as may be. */
export function afterRowsAnswered<A extends unknown[], T>(query: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  return async (...args: A) => {
    await (hold?.answered.passed ?? Promise.resolve());
    return query(...args);
  };
}

/** A query function for the rows themselves: when its answer is in (or it fails), `rowsAnswered`. */
export function answeringRows<A extends unknown[], T>(query: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  return async (...args: A) => {
    try {
      return await query(...args);
    } finally {
      rowsAnswered();
    }
  };
}
