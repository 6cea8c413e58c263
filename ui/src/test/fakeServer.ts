// A fake cairn for component tests: every fetch is recorded (method, URL, JSON body, CSRF header) and answered by
// the test's `answer`.
import { afterEach, beforeEach, vi } from "vitest";
import { cleanup } from "@testing-library/react";

export interface Sent {
  method: string;
  url: string;
  body: unknown;
  csrf: string | null;
}

export const server = {
  sent: [] as Sent[],
  answer: (): Response => json(500, {}),
};

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** Install the fake for each test of the calling file. */
export function useFakeServer(): void {
  beforeEach(() => {
    server.sent.length = 0;
    document.cookie = "cairn_csrf=csrf-123";
    vi.stubGlobal("fetch", async (request: Request) => {
      server.sent.push({
        method: request.method,
        url: request.url,
        body: request.method === "GET" ? null : await request.clone().json(),
        csrf: request.headers.get("X-CSRF-Token"),
      });
      return server.answer();
    });
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });
}
