// What the list pages share (People, Integrations, Datasets, Jobs' errors, Search): a title row with the page's one
// "+ New …" button, a table of things with a column of actions, and the button that asks for the next page.
import type { ReactNode } from "react";

/** The page's heading (its id labels the page) and, for those who may, its one creating button. */
export function PageTitle({
  id,
  title,
  action,
  onAction,
}: {
  id: string;
  title: string;
  /** The button's words after "+ " (none: no button). */
  action?: string;
  onAction?: () => void;
}) {
  return (
    <div className="title-row">
      <h1 id={id}>{title}</h1>
      {action && (
        <button type="button" className="primary" onClick={onAction}>
          <span aria-hidden="true">+ </span>
          {action}
        </button>
      )}
    </div>
  );
}

/** A table of things: its accessible name, its column heads and, with `actions`, a last column of row buttons. */
export function ListTable({
  label,
  columns,
  actions = false,
  className = "results",
  children,
}: {
  label: string;
  columns: string[];
  actions?: boolean;
  className?: string;
  children: ReactNode;
}) {
  return (
    <table className={className} aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
          {actions && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** A row's action: a quiet button whose accessible name says what it does to what ("Remove disk"). */
export function RowAction({
  label,
  of,
  danger = false,
  disabled = false,
  onClick,
}: {
  label: string;
  of: string;
  danger?: boolean;
  disabled?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={danger ? "quiet danger-text" : "quiet"}
      aria-label={`${label} ${of}`}
      disabled={disabled}
      onClick={onClick}
    >
      {label}
    </button>
  );
}

/** The next page of a list asked for only when wanted (an infinite query's `fetchNextPage`). */
export function LoadMore({
  label,
  pages,
}: {
  label: string;
  pages: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  if (!pages.hasNextPage) return null;
  return (
    <button type="button" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
      {label}
    </button>
  );
}
