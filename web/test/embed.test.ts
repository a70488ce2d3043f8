import { describe, expect, it } from "vitest";
import { checkDimensions, cosine, embedTexts } from "../src/embed";

describe("cosine", () => {
  it("measures the angle, whatever the vectors' lengths", () => {
    expect(cosine([3, 4], [6, 8])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 5])).toBeCloseTo(0, 12);
    expect(cosine([2, 0], [-1, 0])).toBeCloseTo(-1, 12);
    expect(cosine([1, 1], [1, 0])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it("has no answer for a zero vector or vectors of different sizes", () => {
    expect(cosine([0, 0], [1, 0])).toBeNaN();
    expect(cosine([1, 0], [1, 0, 0])).toBeNaN();
  });
});

describe("the embeddings panel's fields", () => {
  it("takes one text a line and skips blank lines", () => {
    expect(embedTexts("the cat\n\n  \n the dog \n")).toEqual(["the cat", " the dog "]);
    expect(embedTexts("")).toEqual([]);
  });

  it("takes dimensions from 1 to the model's embedding length, or none", () => {
    expect(checkDimensions("", 64)).toEqual({});
    expect(checkDimensions(" 8 ", 64)).toEqual({ value: 8 });
    expect(checkDimensions("64", 64)).toEqual({ value: 64 });
    for (const bad of ["0", "65", "2.5", "-3", "eight"])
      expect(checkDimensions(bad, 64)).toEqual({ error: "dimensions must be 1 to 64" });
    expect(checkDimensions("70000")).toEqual({ error: "dimensions must be 1 to 65536" });
  });
});
