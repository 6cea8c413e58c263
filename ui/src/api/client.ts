// The one way the UI talks to cairn: the REST API, typed by schema.d.ts (generated from cairn's OpenAPI document).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Item = Schemas["ItemPublic"];
export type Folder = Schemas["FolderPublic"];
export type Dataset = Schemas["DatasetPublic"];
export type User = Schemas["UserPublic"];

const CSRF_COOKIE = "cairn_csrf";
const CSRF_HEADER = "X-CSRF-Token";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** An answer other than 2xx: `message` is the API's canonical error message, shown to the user as it is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function csrfToken(cookies: string = document.cookie): string | null {
  for (const part of cookies.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** Every request that changes something carries the session's CSRF token (the API refuses it otherwise). */
const csrf: Middleware = {
  onRequest({ request }) {
    const token = csrfToken();
    if (!SAFE.has(request.method) && token) request.headers.set(CSRF_HEADER, token);
    return request;
  },
};

// fetch is looked up at each call (not captured once), so component tests can answer it.
export const api = createClient<paths>({
  baseUrl: "",
  credentials: "same-origin",
  fetch: (request) => globalThis.fetch(request),
});
api.use(csrf);

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The data of a 2xx answer, or an ApiError carrying the canonical error body's message. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error ?? {}) as Partial<Schemas["ErrorPublic"]>;
  throw new ApiError(
    response.status,
    body.code ?? "http_error",
    body.message ?? `${response.status} ${response.statusText}`,
  );
}
