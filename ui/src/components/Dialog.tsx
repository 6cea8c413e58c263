// A modal dialog: labelled by its title, closed by Escape or Cancel, focus moved into it when it opens.
import { useEffect, useId, useRef, type ReactNode } from "react";

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
    const first = box.current?.querySelector<HTMLElement>("input, textarea, select, button:not(.close)");
    first?.focus();
  }, []);
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={box}
        className={wide ? "dialog wide" : "dialog"}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
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
