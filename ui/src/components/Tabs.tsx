// Tabs: a tablist whose tabs are named by their labels, and one panel per tab labelled by it. Every panel stays
// mounted (the others hidden), so that switching tabs loses nothing typed, chosen or under way.
import { useId, type ReactNode } from "react";

export function Tabs<T extends string>({
  label,
  tabs,
  chosen,
  onChoose,
  panels,
}: {
  label: string;
  tabs: readonly (readonly [T, string])[];
  chosen: T;
  onChoose: (tab: T) => void;
  panels: Record<T, ReactNode>;
}) {
  const id = useId();
  return (
    <>
      <div role="tablist" aria-label={label} className="tabs">
        {tabs.map(([key, name]) => (
          <button
            key={key}
            type="button"
            role="tab"
            id={`${id}-${key}`}
            aria-controls={`${id}-${key}-panel`}
            aria-selected={key === chosen}
            onClick={() => onChoose(key)}
          >
            {name}
          </button>
        ))}
      </div>
      {tabs.map(([key]) => (
        <div key={key} role="tabpanel" id={`${id}-${key}-panel`} aria-labelledby={`${id}-${key}`} hidden={key !== chosen}>
          {panels[key]}
        </div>
      ))}
    </>
  );
}
