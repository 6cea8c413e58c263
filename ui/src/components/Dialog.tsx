// A modal dialog: labelled by its title, closed by Escape or Cancel. Focus moves into it when it opens, stays in it
// while it is open (Tab and Shift-Tab cycle through its controls; focus wandering out, by a click or a script, is
// brought back) and returns to the control that opened it when it closes. Only the topmost of nested dialogs traps.
import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from "react";

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type=hidden])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "audio[controls]",
  "video[controls]",
  "[contenteditable]:not([contenteditable=false])",
  "[tabindex]",
].join(", ");

const open: HTMLElement[] = []; // the dialogs open now, the topmost last

/** The controls of `box` that Tab reaches, in document order. */
export function tabbable(box: HTMLElement): HTMLElement[] {
  return [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.tabIndex >= 0 && !el.closest("[hidden], [inert]") && (el as HTMLInputElement).type !== "hidden",
  );
}

export function Dialog({
  title,
  onClose,
  wide = false,
  children,
}: {
  title: string;
  onClose: () => void;
  wide?: boolean;
  children: ReactNode;
}) {
  const titleId = useId();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const dialog = box.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    open.push(dialog);
    const first = dialog.querySelector<HTMLElement>("input, textarea, select, button:not(.close)");
    (first ?? tabbable(dialog)[0])?.focus();
    const keepFocus = (e: FocusEvent) => {
      if (open.at(-1) === dialog && e.target instanceof Node && !dialog.contains(e.target)) tabbable(dialog)[0]?.focus();
    };
    document.addEventListener("focusin", keepFocus);
    return () => {
      document.removeEventListener("focusin", keepFocus);
      open.splice(open.indexOf(dialog), 1);
      if (opener?.isConnected) opener.focus(); // back where the user was (a menu that opened it may be gone)
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.stopPropagation(); // closes this dialog only, not one beneath it
      onClose();
    } else if (e.key === "Tab" && box.current) cycle(e, box.current);
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={box}
        className={wide ? "dialog wide" : "dialog"}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
      >
        <header>
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="close quiet" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

/** Tab on the last control goes to the first, Shift-Tab on the first to the last. */
function cycle(e: KeyboardEvent, dialog: HTMLElement) {
  const controls = tabbable(dialog);
  if (!controls.length) return e.preventDefault();
  const first = controls[0];
  const last = controls[controls.length - 1];
  const at = document.activeElement;
  const inside = at instanceof Node && dialog.contains(at) && at !== dialog;
  if (e.shiftKey && (at === first || !inside)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (at === last || !inside)) {
    e.preventDefault();
    first.focus();
  }
}

/** The API's message for what just failed, next to the control that caused it. */
export function Problem({ error }: { error: Error | null }) {
  return error ? (
    <p role="alert" className="error">
      {error.message}
    </p>
  ) : null;
}

/** A form's or a dialog's last row: Cancel, and the button that does it (disabled while it is under way). */
export function DialogFooter({
  onClose,
  label,
  pending,
  danger = false,
  onConfirm,
}: {
  onClose: () => void;
  label: string;
  pending: boolean;
  danger?: boolean;
  /** Without it the button submits the dialog's form. */
  onConfirm?: () => void;
}) {
  return (
    <footer>
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      <button type={onConfirm ? "button" : "submit"} className={danger ? "danger" : "primary"} disabled={pending} onClick={onConfirm}>
        {label}
      </button>
    </footer>
  );
}

/** Ask before something that cannot be undone: the question, what it does to what else (a caution), the API's
 * message if it refuses, then Cancel or the action. */
export function ConfirmDialog({
  title,
  question,
  caution,
  action,
  error,
  pending,
  onConfirm,
  onClose,
}: {
  title: string;
  question: ReactNode;
  caution: ReactNode;
  action: string;
  error: Error | null;
  pending: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{question}</p>
      <p className="caution" role="note">
        {caution}
      </p>
      <Problem error={error} />
      <DialogFooter onClose={onClose} label={action} pending={pending} danger onConfirm={onConfirm} />
    </Dialog>
  );
}
