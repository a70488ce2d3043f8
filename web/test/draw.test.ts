// The Draw panel's checks: what is stopped in the page, named, before a
// request the server would refuse (README: "Image-to-image").
import { describe, expect, it } from "vitest";
import {
  checkReferenceNeeded,
  checkReferences,
  checkSize,
  REFERENCE_BYTES_MAX,
} from "../src/draw";

const png = (name: string, size = 1000) => ({ name, type: "image/png", size });

describe("checkReferences", () => {
  it("takes up to the model's limit of PNG, JPEG and WebP pictures", () => {
    expect(checkReferences([], 0)).toEqual([]);
    expect(checkReferences([], 2)).toEqual([]);
    expect(checkReferences([png("a.png"), { name: "b.jpg", type: "image/jpeg", size: 5 }], 2))
      .toEqual([]);
    expect(checkReferences([{ name: "c.webp", type: "image/webp", size: REFERENCE_BYTES_MAX }],
                           1)).toEqual([]);
  });

  it("names the limit when more are chosen than the model takes", () => {
    expect(checkReferences([png("a.png"), png("b.png"), png("c.png")], 2))
      .toEqual(["reference pictures: this model takes at most 2; 3 are chosen"]);
    expect(checkReferences([png("a.png")], 0))
      .toEqual(["reference pictures: this model draws from text only"]);
  });

  it("names each file that is no picture the server takes, or too large", () => {
    expect(checkReferences([
      { name: "notes.txt", type: "text/plain", size: 10 },
      { name: "anim.gif", type: "image/gif", size: 10 },
      { name: "unknown", type: "", size: 10 },
      png("huge.png", REFERENCE_BYTES_MAX + 1),
      png("fine.png"),
    ], 16)).toEqual([
      "reference pictures: notes.txt is not a PNG, JPEG or WebP picture",
      "reference pictures: anim.gif is not a PNG, JPEG or WebP picture",
      "reference pictures: unknown is not a PNG, JPEG or WebP picture",
      "reference pictures: huge.png is larger than 20 MiB",
    ]);
  });

  it("says every problem at once", () => {
    expect(checkReferences([png("a.png"), { name: "b.bmp", type: "image/bmp", size: 1 }], 1))
      .toEqual(["reference pictures: this model takes at most 1; 2 are chosen",
                "reference pictures: b.bmp is not a PNG, JPEG or WebP picture"]);
  });
});

describe("checkReferenceNeeded", () => {
  it("stops a model that draws only from a picture when none is chosen", () => {
    expect(checkReferenceNeeded(0, true)).toEqual([
      "reference pictures: this model draws only from a picture; choose one to start from"]);
  });

  it("lets a picture through, and a model that also draws from text without one", () => {
    expect(checkReferenceNeeded(1, true)).toEqual([]);
    expect(checkReferenceNeeded(0, false)).toEqual([]);
    expect(checkReferenceNeeded(2, false)).toEqual([]);
  });
});

describe("checkSize", () => {
  it("takes both sides, or neither", () => {
    expect(checkSize(" 96 ", "48")).toEqual({ value: { width: 96, height: 48 }, errors: [] });
    expect(checkSize("", " ")).toEqual({ errors: [] });
    expect(checkSize("16384", "1")).toEqual({ value: { width: 16384, height: 1 }, errors: [] });
  });

  it("names the side that is missing or out of range", () => {
    expect(checkSize("", "48").errors)
      .toEqual(["width is empty: give both width and height, or neither"]);
    expect(checkSize("96", "").errors)
      .toEqual(["height is empty: give both width and height, or neither"]);
    expect(checkSize("wide", "0").errors)
      .toEqual(["width must be 1 to 16384", "height must be 1 to 16384"]);
    expect(checkSize("16385", "2.5")).toEqual({
      errors: ["width must be 1 to 16384", "height must be 1 to 16384"] });
  });
});
