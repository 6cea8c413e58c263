// What the integration form asks for each kind of storage (the API's providers), how its values become the body of
// POST/PATCH /integrations, and where the API's located problems go back in the form. Secrets are write-only: the
// API returns only which credentials are set, so an edit starts with them blank and sends them only when typed.
import type { ApiError } from "../api/client";

export type Kind = "s3" | "s3_compatible" | "gcs" | "azure" | "local";

export const KINDS: readonly (readonly [Kind, string])[] = [
  ["s3", "Amazon S3"],
  ["s3_compatible", "S3-compatible"],
  ["gcs", "Google Cloud Storage"],
  ["azure", "Azure Blob Storage"],
  ["local", "Local directory"],
];

export interface Field {
  /** The API's name of the field: `bucket`, `options.account_name`, `credentials.secret_access_key`... */
  key: string;
  label: string;
  type: "text" | "secret" | "secret-text" | "toggle";
  required?: boolean;
  hint?: string;
  /** Where the objects are: set when the integration is added, not changed afterwards (the API refuses). */
  place?: boolean;
}

const PREFIX: Field = { key: "prefix", label: "Prefix", type: "text", hint: "Only keys under it, e.g. raw/2024/ (optional)" };
const ANONYMOUS: Field = { key: "options.anonymous", label: "Anonymous (a public bucket: no credentials)", type: "toggle" };
const S3_KEYS: Field[] = [
  { key: "credentials.access_key_id", label: "Access key ID", type: "secret" },
  { key: "credentials.secret_access_key", label: "Secret access key", type: "secret" },
  { key: "credentials.session_token", label: "Session token", type: "secret", hint: "Only for temporary credentials" },
];

export const FIELDS: Record<Kind, Field[]> = {
  s3: [
    { key: "bucket", label: "Bucket", type: "text", required: true, place: true },
    { key: "region", label: "Region", type: "text", place: true, hint: "e.g. eu-west-1" },
    {
      key: "options.multi_region_access_point",
      label: "Multi-Region Access Point",
      type: "text",
      hint: "Optional: its alias (mfzwi23gnjvgw.mrap) or ARN (arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap)",
    },
    PREFIX,
    ...S3_KEYS,
    ANONYMOUS,
  ],
  s3_compatible: [
    { key: "endpoint", label: "Endpoint", type: "text", required: true, place: true, hint: "e.g. https://s3.wasabisys.com" },
    { key: "bucket", label: "Bucket", type: "text", required: true, place: true },
    { key: "region", label: "Region", type: "text", place: true, hint: "Optional, e.g. us-east-1" },
    PREFIX,
    ...S3_KEYS,
    { key: "options.virtual_hosted_style", label: "Virtual-hosted-style URLs (bucket.endpoint)", type: "toggle" },
    ANONYMOUS,
  ],
  gcs: [
    { key: "bucket", label: "Bucket", type: "text", required: true, place: true },
    PREFIX,
    {
      key: "credentials.service_account_key",
      label: "Service account key (JSON)",
      type: "secret-text",
      hint: "The content of the service account's JSON key file",
    },
    ANONYMOUS,
  ],
  azure: [
    { key: "options.account_name", label: "Storage account", type: "text", required: true },
    { key: "bucket", label: "Container", type: "text", required: true, place: true },
    { key: "endpoint", label: "Endpoint", type: "text", place: true, hint: "Optional: only for a non-Azure endpoint" },
    PREFIX,
    { key: "credentials.account_key", label: "Account key", type: "secret" },
    { key: "credentials.sas_token", label: "SAS token", type: "secret", hint: "Instead of the account key" },
    ANONYMOUS,
  ],
  local: [
    { key: "root", label: "Directory on the server", type: "text", required: true, place: true, hint: "An absolute path, e.g. /srv/media" },
    PREFIX,
  ],
};

/** Every key the form shows for a kind, with the ones every kind has. */
export function formKeys(kind: Kind): Set<string> {
  return new Set(["name", "provider", "shared", "credentials", "options", ...FIELDS[kind].map((f) => f.key)]);
}

export type Values = Record<string, string>;

/** The form's values of an integration as the API shows it (no secrets: it never returns them). */
export function valuesOf(config: Record<string, unknown>): Values {
  const values: Values = {};
  for (const key of ["bucket", "region", "endpoint", "root", "prefix"]) {
    const value = config[key];
    if (typeof value === "string") values[key] = value;
  }
  for (const [key, value] of Object.entries((config.options ?? {}) as Record<string, string>)) values[`options.${key}`] = value;
  return values;
}

function grouped(kind: Kind, values: Values, group: "options" | "credentials"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of FIELDS[kind]) {
    if (!field.key.startsWith(`${group}.`)) continue;
    const value = field.type === "toggle" ? (values[field.key] === "true" ? "true" : "") : (values[field.key] ?? "").trim();
    if (value) out[field.key.slice(group.length + 1)] = field.type.startsWith("secret") ? (values[field.key] ?? "") : value;
  }
  return out;
}

export interface CreateBody {
  name: string;
  provider: Kind;
  shared: boolean;
  bucket?: string;
  region?: string;
  endpoint?: string;
  root?: string;
  prefix: string;
  options: Record<string, string>;
  credentials: Record<string, string>;
}

/** POST /integrations: only the fields of the chosen kind (values typed for another kind stay in the form). */
export function createBody(kind: Kind, name: string, shared: boolean, values: Values): CreateBody {
  const body: CreateBody = {
    name,
    provider: kind,
    shared,
    prefix: (values.prefix ?? "").trim(),
    options: grouped(kind, values, "options"),
    credentials: grouped(kind, values, "credentials"),
  };
  for (const field of FIELDS[kind]) {
    const key = field.key as "bucket" | "region" | "endpoint" | "root";
    if (["bucket", "region", "endpoint", "root"].includes(key) && (values[key] ?? "").trim()) body[key] = values[key].trim();
  }
  return body;
}

export interface UpdateBody {
  name: string;
  shared: boolean;
  prefix: string;
  options: Record<string, string>;
  credentials?: Record<string, string>;
}

/** PATCH /integrations/{id}. Credentials: none typed keeps the stored ones (not sent); any typed replaces them all;
 * `forget` returns to the server's own identity ({}). */
export function updateBody(kind: Kind, name: string, shared: boolean, values: Values, forget: boolean): UpdateBody {
  const body: UpdateBody = {
    name,
    shared,
    prefix: (values.prefix ?? "").trim(),
    options: grouped(kind, values, "options"),
  };
  const typed = grouped(kind, values, "credentials");
  if (forget) body.credentials = {};
  else if (Object.keys(typed).length > 0) body.credentials = typed;
  return body;
}

interface Located {
  location?: string;
  field?: string;
  message: string;
}

export interface Placed {
  /** Messages next to the form's fields, by key. */
  byField: Record<string, string[]>;
  /** Located problems the form has no field for (shown with the API's message). */
  rest: string[];
}

/** The API's located problems put next to the fields they name: `field` (the service's) or `location` (the request
 * validation's `body/options/anonymous`); a problem inside a field (a service account key's `private_key`) goes to
 * that field. */
export function place(error: ApiError | null, keys: Set<string>): Placed {
  const placed: Placed = { byField: {}, rest: [] };
  if (!error) return placed;
  const problems = (error.details.problems ?? []) as Located[];
  const field = error.details.field;
  const all: Located[] = problems.length ? problems : typeof field === "string" ? [{ field, message: error.message }] : [];
  for (const problem of all) {
    let key = problem.field ?? (problem.location ?? "").replace(/^body\//, "").replaceAll("/", ".");
    while (!keys.has(key) && key.includes(".")) key = key.slice(0, key.lastIndexOf("."));
    if (keys.has(key) && key !== "credentials" && key !== "options") (placed.byField[key] ??= []).push(problem.message);
    else placed.rest.push(`${problem.field ?? problem.location}: ${problem.message}`);
  }
  return placed;
}
