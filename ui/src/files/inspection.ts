// What inspection found in a file (GET /items/{id}/inspection): one query, shared by the table's warning icon and the
// details pane's checks.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Item } from "../api/client";

/** One check of an inspection report: its verdict (ok, warning, failed), why, and the fix when there is one. */
export interface Check {
  name: string;
  verdict: string;
  reason: string;
  fix?: string;
}

export function useInspection(item: Item, enabled = true) {
  return useQuery({
    queryKey: ["inspection", item.id],
    queryFn: () => unwrap(api.GET("/api/v1/items/{item_id}/inspection", { params: { path: { item_id: item.id } } })),
    enabled,
    staleTime: 60_000,
  });
}

export function checksOf(report: Record<string, unknown> | undefined): Check[] {
  return (report?.checks ?? []) as Check[];
}

export function checkName(check: Check): string {
  return check.name.replaceAll("_", " ");
}
