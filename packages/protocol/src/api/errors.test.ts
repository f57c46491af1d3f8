import { describe, expect, it } from "vitest";
import { API_ERRORS, API_ERROR_NAMES, ApiError, isApiError } from "./errors.js";

describe("API errors", () => {
  it("every name is io.sockgate.Name with a sentence and a gh-style exit code", () => {
    expect(API_ERROR_NAMES.length).toBeGreaterThan(10);
    for (const name of API_ERROR_NAMES) {
      const info = API_ERRORS[name];
      expect(name).toMatch(/^io\.sockgate\.[A-Z][A-Za-z]+$/);
      expect(info.sentence).toMatch(/^[A-Z].*\.$/);
      expect([1, 2, 4]).toContain(info.exitCode);
    }
    expect(new ApiError("io.sockgate.PermissionDenied", "no").exitCode).toBe(4);
    expect(new ApiError("io.sockgate.InvalidRule", "no").exitCode).toBe(2);
  });

  it("is recognised by name and brand, not by shape", () => {
    const err = new ApiError("io.sockgate.NotFound", "no rule r-1", { id: "r-1" });
    expect(isApiError(err, "io.sockgate.NotFound")).toBe(true);
    expect(isApiError(err, "io.sockgate.Conflict")).toBe(false);
    expect(err instanceof Error && err instanceof ApiError).toBe(true);
    expect(isApiError({ code: "io.sockgate.NotFound", message: "forged" })).toBe(false);
    expect([err.name, err.message, err.parameters]).toEqual(["ApiError", "no rule r-1", { id: "r-1" }]);
  });
});
