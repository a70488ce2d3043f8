import { describe, expect, it } from "vitest";
import type { ModelInfo } from "../src/contracts";
import { modelFacts } from "../src/detail";

const gguf: ModelInfo = {
  id: "tiny", name: "tiny", description: "llama, 1.2 M parameters, Q8_0", owned_by: "local",
  backend: "llama.cpp", architecture: "llama", quantization: "Q8_0", parameter_count: 1_234_567,
  size_bytes: 3 << 20, contextLength: 512, type: "chat", status: "available",
  capabilities: { tasks: ["text-generation", "feature-extraction"], settings: ["temperature"],
                  chat: true, vision: false, gated: false, context_length: 512,
                  embedding_length: 64 },
  memory: { estimate_bytes: 40 << 20, weights_bytes: 3 << 20, kv_cache_bytes: 8 << 20,
            compute_bytes: 1 << 20, context_per_slot: 512, slots: 1 },
};

const whisper: ModelInfo = {
  ...gguf, id: "ggml-tiny", description: "whisper tiny", backend: "whisper.cpp",
  architecture: "", quantization: "", parameter_count: 0, size_bytes: 0, memory: undefined,
  capabilities: { tasks: ["automatic-speech-recognition"], settings: [], chat: false,
                  vision: false, gated: true, context_length: 0,
                  speech: { voices: [], languages: ["en", "de"], phrases: false, prompt: true,
                            translate: true } },
};

const facts = (m: ModelInfo) => Object.fromEntries(modelFacts(m).map((f) => [f.key, f.value]));

describe("modelFacts", () => {
  it("shows what the server says about a model, readably", () => {
    expect(facts(gguf)).toEqual({
      id: "tiny", description: "llama, 1.2 M parameters, Q8_0", status: "available",
      backend: "llama.cpp", architecture: "llama", quantization: "Q8_0",
      parameter_count: "1.2 M", size_bytes: "3.0 MiB", context_length: "512 tokens",
      embedding_length: "64 dimensions",
      memory: "about 40.0 MiB loaded (weights 3.0 MiB, KV cache 8.0 MiB)",
      tasks: "text-generation, feature-extraction", settings: "temperature", gated: "no",
    });
  });

  it("leaves out what the server leaves empty", () => {
    expect(facts(whisper)).toEqual({
      id: "ggml-tiny", description: "whisper tiny", status: "available", backend: "whisper.cpp",
      tasks: "automatic-speech-recognition", languages: "2 languages: en, de",
      speech_options: "a prompt, translation into English",
      gated: "yes: accept its terms on the Hub",
    });
  });

  it("says how many pictures an image model draws from", () => {
    const image = (n: number): ModelInfo => ({
      ...whisper, id: "art:editor", backend: "openai-compatible", status: "remote",
      capabilities: { tasks: ["text-to-image"], settings: ["width", "height"], chat: false,
                      vision: false, gated: false, context_length: 0, reference_images: n } });
    expect(facts(image(2)).reference_images).toBe("text and up to 2 pictures");
    expect(facts(image(1)).reference_images).toBe("text and up to 1 picture");
    expect(facts(image(0)).reference_images).toBe("text only");
    expect(facts(gguf).reference_images).toBeUndefined();
    const fromPicture = image(1);
    fromPicture.capabilities.needs_reference_image = true;
    expect(facts(fromPicture).reference_images).toBe("a picture and a prompt, not text alone");
  });

  it("says the lengths a video or music model makes", () => {
    const media = (task: string, durations?: number[]): ModelInfo => ({
      ...whisper, id: "studio:clip", backend: "openai-compatible", status: "remote",
      capabilities: { tasks: [task], settings: [], chat: false, vision: false, gated: false,
                      context_length: 0, ...(durations ? { durations } : {}) } });
    expect(facts(media("text-to-video", [1, 2])).durations).toBe("1 or 2 seconds");
    expect(facts(media("text-to-video", [])).durations).toBe("any length");
    expect(facts(media("text-to-audio")).durations).toBe("the model decides");
    expect(facts(gguf).durations).toBeUndefined();
  });

  it("says a model's problem", () => {
    expect(facts({ ...gguf, status: "unusable", problem: "not a valid GGUF file" }).problem)
      .toBe("not a valid GGUF file");
  });
});
