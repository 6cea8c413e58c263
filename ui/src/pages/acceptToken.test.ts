import { describe, expect, it } from "vitest";
import { acceptToken } from "./AcceptPage";

describe("acceptToken", () => {
  it("reads the token of a one-time link's hash route", () => {
    expect(acceptToken("#/accept?token=abc-DEF_123")).toBe("abc-DEF_123");
    expect(acceptToken("#/accept?token=a%2Bb")).toBe("a+b");
  });
  it("is null for any other address", () => {
    expect(acceptToken("")).toBeNull();
    expect(acceptToken("#/files")).toBeNull();
    expect(acceptToken("#/accepted?token=abc")).toBeNull();
    expect(acceptToken("#/accept?other=1")).toBeNull();
  });
});
