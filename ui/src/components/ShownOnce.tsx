// A secret the API shows once (a new API token, a one-time password link), to copy before it is gone.
import { useState } from "react";

/** A secret the API shows once (a token, a one-time link): read-only, selected on focus, with a Copy button. */
export function ShownOnce({ label, value, note }: { label: string; value: string; note: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(value);
    setCopied(true);
  };
  return (
    <div className="shown-once">
      <label>
        {label}
        <input readOnly value={value} onFocus={(e) => e.target.select()} />
      </label>
      <div className="shown-once-row">
        <span className="muted">{note}</span>
        <button type="button" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}
