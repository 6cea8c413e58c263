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
    readonly details: Record<string, unknown> = {},
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
    if (SAFE.has(request.method)) return request; // reading the cookie is a round trip to the browser process
    const token = csrfToken();
    if (token) request.headers.set(CSRF_HEADER, token);
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
  throw apiError(response.status, response.statusText, error);
}

function apiError(status: number, statusText: string, error: unknown): ApiError {
  const body = (error ?? {}) as Partial<Schemas["ErrorPublic"]>;
  return new ApiError(status, body.code ?? "http_error", body.message ?? `${status} ${statusText}`, body.details ?? {});
}

/** A multipart POST whose upload progress is reported (fetch cannot): `onProgress` gets the fraction sent, 0 to 1.
 * Its answer is the JSON of a 2xx, or an ApiError as `unwrap` gives. */
export function postWithProgress<T>(url: string, form: FormData, onProgress: (sent: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.withCredentials = true;
    const token = csrfToken();
    if (token) request.setRequestHeader(CSRF_HEADER, token);
    request.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    request.onload = () => {
      const body: unknown = parseJson(request.responseText);
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else reject(apiError(request.status, request.statusText, body));
    };
    request.onerror = () => reject(new ApiError(0, "network_error", `the upload to ${url} failed: no answer from cairn`));
    request.send(form);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
