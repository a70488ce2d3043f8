// playground.e2e.ts -- the playground as a person uses it, in headless
// Chromium against a real server: search and open a model, its facts and
// the task chooser, chat with tokens streaming in (also with the keyboard
// alone), stop a stream, an invalid setting stopped in the page, a server
// error shown, embeddings compared, text-to-speech into a playable audio
// element, pictures drawn through an image provider (from text, and from
// reference pictures checked in the page), a video made through a video
// provider (its progress, the file to watch and download, its errors, Stop),
// transcription of an
// uploaded file (pocketsphinx with phrases, whisper with a language, a
// prompt and translation), the run history (reopen, run again, delete), and
// a lost server shown. Each main view is saved as a screenshot.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startServer, type Server } from "./server";

const artifacts = process.env.SY_E2E_ARTIFACTS ?? join(process.cwd(), "e2e-artifacts");
const chromiumPath = process.env.SY_CHROMIUM ?? "/usr/bin/chromium";

let server: Server;
let browser: Browser;
let page: Page;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function openModel(id: string): Promise<void> {
  await page.fill("#search", id);
  const card = page.locator(`#models li button[data-model="${id}"]`);
  await card.click();
  await expect.poll(() => page.textContent('#model-facts dd[data-fact="id"]')).toBe(id);
}

/** Presses Tab until the focus is on selector; fails after limit presses. */
async function tabTo(selector: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** The value of each radio of the task chooser, and the checked one. */
async function chooser(): Promise<{ tasks: string[]; checked: string }> {
  return page.$$eval("#task-chooser input[type=radio]", (els) => ({
    tasks: els.map((e) => (e as HTMLInputElement).value),
    checked: els.find((e) => (e as HTMLInputElement).checked)?.getAttribute("value") ?? "",
  }));
}

/** espeak-ng saying text, as a WAV file, through the OpenAI surface. */
async function speech(text: string): Promise<Buffer> {
  const res = await fetch(`${server.url}/v1/audio/speech`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "espeak-ng", input: text, response_format: "wav" }),
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** The JSON body of the next request to path the page sends while act runs. */
async function bodySent(path: string, act: () => Promise<void>): Promise<Record<string, unknown>> {
  const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith(path)), act()]);
  return JSON.parse(request.postData() ?? "null") as Record<string, unknown>;
}

/** The size of the picture img shows, once it has loaded. */
function naturalSize(img: Locator): Promise<number[]> {
  return img.evaluate((el: HTMLImageElement) =>
    el.complete && el.naturalWidth ? [el.naturalWidth, el.naturalHeight]
      : new Promise<number[]>((resolve, reject) => {
        el.addEventListener("load", () => resolve([el.naturalWidth, el.naturalHeight]));
        el.addEventListener("error", () => reject(new Error("the picture does not load")));
      }));
}

/** A w x h PNG drawn on a canvas by the page, as a person's picture would be. */
async function canvasPng(w: number, h: number): Promise<Buffer> {
  const b64 = await page.evaluate(([w, h]) => new Promise<string>((resolve, reject) => {
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext("2d")!;
    g.fillStyle = "#2a6";
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#fc3";
    g.fillRect(w / 4, h / 4, w / 2, h / 2);
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error("the canvas made no PNG"));
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",")[1]);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    }, "image/png");
  }), [w, h]);
  return Buffer.from(b64, "base64");
}

/** espeak-ng saying `text`, with a second of silence either side, as a WAV
 *  file for Chromium's fake microphone (which plays it in a loop). */
async function spokenWav(text: string): Promise<Buffer> {
  const wav = await speech(text);
  const rate = wav.readUInt32LE(24);
  const data = wav.indexOf("data", 12, "latin1");
  const pcm = wav.subarray(data + 8, data + 8 + wav.readUInt32LE(data + 4));
  const silence = Buffer.alloc(rate * 2);
  const body = Buffer.concat([silence, pcm, silence]);
  const head = Buffer.from(wav.subarray(0, 44));
  head.write("data", 36, "latin1");
  head.writeUInt32LE(36 + body.length, 4);
  head.writeUInt32LE(body.length, 40);
  return Buffer.concat([head, body]);
}

beforeAll(async () => {
  server = await startServer(artifacts);
  const mic = join(artifacts, "microphone.wav");
  writeFileSync(mic, await spokenWav("turn on the light"));
  // Root in a container has no user namespace for Chromium's sandbox; the
  // microphone is a fake one that plays mic, and asks nobody for permission.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
           `--use-file-for-fake-audio-capture=${mic}`],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(server.url, { waitUntil: "load" });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the playground", () => {
  it("lists every model and finds one by search", async () => {
    const cards = page.locator("#models li button");
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(5);
    const all = await cards.allTextContents();
    for (const id of ["tiny", "slow", "broken", "espeak-ng", "pocketsphinx-en-us", "ggml-tiny"])
      expect(all.some((t) => t.startsWith(id))).toBe(true);
    expect(all.find((t) => t.startsWith("broken"))).toContain("unusable");
    expect(await page.textContent("#provider-problems")).toContain("down: provider 'down'");

    await page.fill("#search", "pocket");
    await expect.poll(() => cards.count()).toBe(1);
    await page.fill("#search", "");
    await page.selectOption("#task-filter", "text-to-speech");
    await expect.poll(() => cards.allTextContents()).toEqual([expect.stringMatching(/^espeak-ng/)]);
    await page.selectOption("#task-filter", "");

    // Where a model runs: a provider's models, or only this machine's.
    await page.selectOption("#provider-filter", "art");
    const ids = () => cards.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.model));
    await expect.poll(async () => (await ids()).sort())
      .toEqual(["art:chat-model", "art:editor", "art:painter"]);
    await page.selectOption("#provider-filter", "here");
    await expect.poll(ids).toContain("tiny");
    expect((await ids()).some((id) => id?.startsWith("art:"))).toBe(false);
    await page.selectOption("#provider-filter", "");

    // Starting from a goal shows the models that meet it, or says none can.
    await page.click("#goal-buttons button[data-goal=transcribe]");
    await expect.poll(async () => (await ids()).sort())
      .toEqual(["ggml-tiny", "pocketsphinx-en-us"]);
    await page.click("#goal-buttons button[data-goal=draw]");
    await expect.poll(async () => (await ids()).sort()).toEqual(["art:editor", "art:painter"]);
    await page.click("#goal-buttons button[data-goal=describe-image]");
    await expect.poll(() => cards.count()).toBe(0);
    expect(await page.textContent("#goal-note")).toContain("No model here can do it yet");
    await shot("goals");
    await page.click("#goal-buttons button[data-goal=describe-image]"); // a second click clears it
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(5);

    await openModel("tiny");
    expect(await page.isVisible("#panel-text")).toBe(true);
    expect(await page.isVisible("#panel-tts")).toBe(false);
    expect(await chooser()).toEqual({ tasks: ["text-generation", "feature-extraction"],
                                      checked: "text-generation" });
    await shot("explorer");
  });

  it("finds a model on the Hub, pulls it with progress, then runs it", async () => {
    await page.fill("#search", "tiny");
    const hubCard = page.locator('#hub-models li button[data-hub="acme/tiny-GGUF"]');
    await hubCard.click();
    await expect.poll(() => page.textContent("#model-detail"))
      .toContain("runs here: a pull takes tiny-Q8_0.gguf");
    await page.click("#hub-pull");
    await expect.poll(() => page.textContent("#pull-status")).toContain("Pulled acme/tiny-GGUF");
    expect(await page.$eval("#pull-progress", (p: HTMLProgressElement) => p.value)).toBe(1);
    await shot("pull");
    // The pulled model joins its goals without a reload.
    await page.fill("#search", "");
    await page.click("#goal-buttons button[data-goal=write]");
    await expect.poll(() => page.locator('#models li button[data-model="acme/tiny-GGUF"]').count())
      .toBe(1);
    await page.click("#goal-buttons button[data-goal=write]");
    await openModel("acme/tiny-GGUF");
    await page.fill("#prompt", "Hello");
    await page.fill("#settings input[name=max_new_tokens]", "8");
    await page.click("#run-button");
    await expect.poll(() => page.textContent("#status")).toMatch(/tokens\/s/);

    // A repository the Hub does not have: said in plain words.
    await page.fill("#pull-id", "acme/nothing-GGUF");
    await page.click("#pull-button");
    await expect.poll(() => page.textContent("#pull-error"))
      .toMatch(/^Could not pull acme\/nothing-GGUF: .*acme\/nothing-GGUF/);
  });

  it("streams a chat answer token by token", async () => {
    await openModel("tiny");
    await page.fill("#prompt", "Hello");
    await page.fill("#settings input[name=max_new_tokens]", "16");
    await page.click("#run-button");
    await expect.poll(() => page.textContent("#status")).toMatch(/tokens\/s/);
    const turns = page.locator("#transcript .turn");
    await expect.poll(() => turns.count()).toBe(2);
    expect((await turns.nth(1).locator(".text").textContent())!.length).toBeGreaterThan(0);
    expect(await page.textContent("#error")).toBe("");

    // The conversation goes on: the next run sends every turn so far.
    let sent: unknown = null;
    const watch = (r: { url(): string; postData(): string | null }) => {
      if (r.url().endsWith("/api/inference/stream")) sent = JSON.parse(r.postData() ?? "null");
    };
    page.on("request", watch);
    await page.fill("#prompt", "And again");
    await page.click("#run-button");
    await expect.poll(() => turns.count()).toBe(4);
    await expect.poll(() => page.isEnabled("#run-button")).toBe(true);
    page.off("request", watch);
    const messages = (sent as { inputs: { messages: { role: string; content: string }[] } })
      .inputs.messages;
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[2].content).toBe("And again");
    await shot("chat");
  });

  it("chooses a model and chats with the keyboard alone", async () => {
    await page.focus("#search");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("tiny");
    const card = '#models li button[data-model="tiny"]';
    await tabTo(card);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getAttribute(card, "aria-pressed")).toBe("true");
    // The focus stays on the card pressed: the list is not rebuilt under it.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.model))
      .toBe("tiny");

    // The chooser is a radio group: the arrow keys go from task to task.
    await tabTo('#task-chooser input[value="text-generation"]');
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => page.isVisible("#panel-embed")).toBe(true);
    expect(await page.isVisible("#panel-text")).toBe(false);
    await page.keyboard.press("ArrowLeft");
    await expect.poll(() => page.isVisible("#panel-text")).toBe(true);

    await tabTo("#prompt");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("Typed without a mouse");
    await tabTo("#settings input[name=max_new_tokens]");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("8");
    await tabTo("#run-button");
    await page.keyboard.press("Space");
    await expect.poll(() => page.textContent("#status")).toMatch(/tokens\/s/);
    const turns = page.locator("#transcript .turn");
    expect(await turns.count()).toBe(2);
    expect(await turns.nth(0).locator(".text").textContent()).toBe("Typed without a mouse");
    expect((await turns.nth(1).locator(".text").textContent())!.length).toBeGreaterThan(0);
    expect(await page.textContent("#error")).toBe("");
    await shot("keyboard-chat");
  });

  it("shows a model's facts, and makes and compares embeddings", async () => {
    const listed = (await (await fetch(`${server.url}/api/models`)).json()) as {
      models: { id: string; capabilities: { embedding_length?: number } }[];
    };
    const length = listed.models.find((m) => m.id === "tiny")!.capabilities.embedding_length!;
    expect(length).toBeGreaterThan(8);

    await openModel("tiny");
    const fact = (key: string) => page.textContent(`#model-facts dd[data-fact="${key}"]`);
    expect(await fact("embedding_length")).toBe(`${length} dimensions`);
    expect(await fact("tasks")).toBe("text-generation, feature-extraction");
    for (const key of ["description", "backend", "architecture", "quantization",
                       "parameter_count", "size_bytes", "context_length", "memory", "settings",
                       "gated", "status"])
      expect((await fact(key))!.length, key).toBeGreaterThan(0);
    expect(await page.locator('#model-facts dd[data-fact="problem"]').count()).toBe(0);
    await shot("model-detail");

    await page.check('#task-chooser input[value="feature-extraction"]');
    expect(await page.isVisible("#panel-embed")).toBe(true);
    expect(await page.isVisible("#panel-text")).toBe(false);

    // Dimensions the model does not have are stopped in the page, named.
    let sent = 0;
    const count = (r: { url(): string }) => {
      if (r.url().includes("/api/inference")) sent++;
    };
    page.on("request", count);
    await page.fill("#embed-texts",
                    "the cat sat on the mat\nthe cat sat on the mat\nquarterly revenue grew");
    await page.fill("#embed-dimensions", String(length + 1));
    await page.click("#embed-button");
    expect(await page.textContent("#embed-error")).toBe(`dimensions must be 1 to ${length}`);
    expect(await page.getAttribute("#embed-dimensions", "aria-invalid")).toBe("true");
    expect(sent).toBe(0);
    page.off("request", count);

    await page.fill("#embed-dimensions", "");
    await page.click("#embed-button");
    const dims = page.locator("#embed-vectors .embed-dims");
    await expect.poll(() => dims.allTextContents())
      .toEqual([`${length} dimensions`, `${length} dimensions`, `${length} dimensions`]);
    expect(await page.textContent("#embed-error")).toBe("");
    expect(await page.textContent("#status")).toMatch(new RegExp(`^3 embeddings of ${length} `));
    const cell = (row: number, col: number) =>
      page.textContent(`#embed-similarity tbody tr:nth-child(${row}) td:nth-of-type(${col})`);
    expect(await cell(1, 2)).toBe("1.000"); // the same text, the same direction
    expect(await cell(2, 1)).toBe("1.000");
    expect(await cell(3, 3)).toBe("1.000");
    expect(await page.locator("#embed-similarity thead th[scope=col]").count()).toBe(4);
    expect(await page.locator("#embed-similarity tbody th[scope=row]").count()).toBe(3);
    // The download is the whole answer.
    expect(await page.getAttribute("#embed-download", "download")).toBe("embeddings.json");
    const saved = await page.$eval("#embed-download", async (a: HTMLAnchorElement) =>
      (await fetch(a.href)).json()) as { inputs: string[]; embeddings: number[][] };
    expect(saved.inputs).toHaveLength(3);
    expect(saved.embeddings.map((v) => v.length)).toEqual([length, length, length]);
    await shot("embeddings");

    // Fewer dimensions: the server cuts the vectors and the page says so.
    const body = await bodySent("/api/inference", async () => {
      await page.fill("#embed-dimensions", "8");
      await page.click("#embed-button");
    });
    expect(body).toEqual({ model_id: "tiny", task: "feature-extraction",
                           inputs: { text: ["the cat sat on the mat", "the cat sat on the mat",
                                            "quarterly revenue grew"], dimensions: 8 } });
    await expect.poll(() => dims.allTextContents())
      .toEqual(["8 dimensions", "8 dimensions", "8 dimensions"]);
    expect(await cell(1, 2)).toBe("1.000");

    // The run is kept, and running it again opens the embeddings panel.
    await page.click("#runs-refresh");
    await page.locator("#runs li button")
      .filter({ hasText: /the cat sat on the mat \(and 2 more\).*feature-extraction · tiny/ })
      .first().click();
    await page.waitForSelector("#run-view:not([hidden])");
    expect(await page.textContent("#run-view-output")).toBe("3 embeddings of 8 dimensions");
    await page.fill("#embed-texts", "");
    await page.check('#task-chooser input[value="text-generation"]');
    await page.click("#run-again");
    expect((await chooser()).checked).toBe("feature-extraction");
    expect(await page.isVisible("#panel-embed")).toBe(true);
    expect(await page.inputValue("#embed-texts")).toBe("the cat sat on the mat");
    expect(await page.textContent("#status")).toContain("2 more");

    // A text longer than the model takes: the server's 400, unless cut.
    const context = Number((await fact("context_length"))!.split(" ")[0]);
    await page.fill("#embed-texts", "word ".repeat(context + 16));
    await page.fill("#embed-dimensions", "");
    await page.click("#embed-button");
    await expect.poll(() => page.textContent("#error")).toMatch(/^400: /);
    await page.check("#embed-truncate");
    await page.click("#embed-button");
    await expect.poll(() => dims.allTextContents()).toEqual([`${length} dimensions`]);
    expect(await page.textContent("#error")).toBe("");
  });

  it("stops a stream while tokens are arriving", async () => {
    await openModel("slow");
    await page.fill("#prompt", "Tell me everything");
    await page.fill("#settings input[name=max_new_tokens]", "1500");
    await page.click("#run-button");
    // Tokens on the page while the run is still going: they are streamed.
    const reply = page.locator("#transcript .turn").last().locator(".text");
    await expect.poll(async () =>
      (await reply.textContent())!.length > 0 && (await page.isEnabled("#stop-button"))).toBe(true);
    await page.click("#stop-button");
    await expect.poll(() => page.textContent("#status")).toBe("Stopped.");
    expect(await page.isEnabled("#run-button")).toBe(true);
    // The server saw the disconnect: the run is kept as cancelled.
    await expect.poll(async () => {
      const runs = (await (await fetch(`${server.url}/api/runs?limit=1`)).json()) as {
        runs: { model: string; finish: string }[];
      };
      return runs.runs[0] && `${runs.runs[0].model} ${runs.runs[0].finish}`;
    }).toBe("slow cancelled");
  });

  it("blocks an invalid setting in the page, naming it", async () => {
    await openModel("tiny");
    let sent = 0;
    const count = (r: { url(): string }) => {
      if (r.url().includes("/api/inference")) sent++;
    };
    page.on("request", count);
    await page.fill("#prompt", "Hello");
    await page.fill("#settings input[name=temperature]", "5");
    await page.click("#run-button");
    await expect.poll(() => page.textContent("#settings-error"))
      .toContain("temperature must be from 0 to 2");
    await page.fill("#settings input[name=temperature]", "");
    // Provider options that are not a JSON object block the run too.
    await page.fill("#provider-options", "{top_k: 20");
    await page.click("#run-button");
    await expect.poll(() => page.textContent("#settings-error"))
      .toContain("provider options are not valid JSON");
    page.off("request", count);
    expect(sent).toBe(0);
    await page.fill("#provider-options", "");
  });

  it("shows a server error with its status and message", async () => {
    // Within the page's bounds, but more than the model's context holds.
    await openModel("tiny");
    await page.fill("#prompt", "Hello");
    await page.fill("#settings input[name=max_new_tokens]", "100000");
    await page.click("#run-button");
    await expect.poll(() => page.textContent("#error"))
      .toMatch(/^400: the prompt is \d+ tokens and max_tokens asks for 100000 more/);
    await shot("error");

    // A model file the server cannot use says why, before anyone runs it.
    await openModel("broken");
    expect(await page.textContent("#model-detail")).toContain("is not a valid GGUF file");
    expect(await page.isVisible("#panel-text")).toBe(false);
  });

  it("speaks text into a playable audio element", async () => {
    await openModel("espeak-ng");
    expect(await page.isVisible("#panel-tts")).toBe(true);
    expect(await page.locator("#voice option").count()).toBeGreaterThan(1);
    await page.fill("#tts-text", "Hello from the playground");
    await page.click("#tts-form button[type=submit]");
    await page.waitForSelector("#tts-audio:not([hidden])");
    const seconds = await page.$eval("#tts-audio", (a: HTMLAudioElement) =>
      a.readyState >= 1 ? a.duration
        : new Promise<number>((resolve, reject) => {
          a.addEventListener("loadedmetadata", () => resolve(a.duration));
          a.addEventListener("error", () => reject(new Error("the audio does not play")));
        }));
    expect(seconds).toBeGreaterThan(0.5);
    expect(await page.getAttribute("#tts-download", "href")).toMatch(/^blob:/);
    await shot("speech");
  });

  it("draws pictures through an image provider, and names a size it cannot make", async () => {
    await openModel("art:painter");
    expect(await page.isVisible("#panel-image")).toBe(true);
    expect(await page.isVisible("#panel-text")).toBe(false);
    await page.fill("#image-prompt", "a lighthouse at dusk");
    await page.fill("#image-width", "96");
    await page.fill("#image-height", "48");
    await page.fill("#image-seed", "7");
    await page.click("#draw-button");
    const img = page.locator("#image-out img");
    await expect.poll(() => img.count()).toBe(1);
    expect(await naturalSize(img)).toEqual([96, 48]);
    expect(await page.getAttribute("#image-out a", "download")).toBe("picture-1.png");
    await shot("draw");

    // The run is kept, and running it again brings back its prompt and size.
    await page.click("#runs-refresh");
    await page.locator("#runs li button").filter({ hasText: /a lighthouse at dusk.*text-to-image/ })
      .first().click();
    await page.waitForSelector("#run-view:not([hidden])");
    await page.fill("#image-prompt", "");
    await page.click("#run-again");
    expect(await page.inputValue("#image-prompt")).toBe("a lighthouse at dusk");
    expect(await page.inputValue("#image-width")).toBe("96");

    // In the page: a width that is no number is never sent.
    await page.fill("#image-width", "wide");
    await page.click("#draw-button");
    expect(await page.textContent("#image-error")).toContain("width must be 1 to 16384");
    // From the server: a size this model does not make, with the ones it does.
    await page.fill("#image-width", "32");
    await page.fill("#image-height", "32");
    await page.click("#draw-button");
    await expect.poll(() => page.textContent("#error")).toContain("64x64, 96x48");
    expect(await page.textContent("#error")).toContain("422");
  });

  it("draws from reference pictures where the model takes them, and stops too many",
     async () => {
    // A model that draws from text only offers no pictures to start from.
    await openModel("art:painter");
    expect(await page.isVisible("#panel-image")).toBe(true);
    expect(await page.isVisible("#image-files")).toBe(false);
    expect(await page.textContent('#model-facts dd[data-fact="reference_images"]'))
      .toBe("text only");

    await openModel("art:editor");
    expect(await page.isVisible("#image-files")).toBe(true);
    expect(await page.textContent("#image-files-hint"))
      .toMatch(/^Up to 2 pictures to start from /);
    expect(await page.textContent('#model-facts dd[data-fact="reference_images"]'))
      .toBe("text and up to 2 pictures");
    const png = await canvasPng(40, 30);
    await page.setInputFiles("#image-files", { name: "start.png", mimeType: "image/png",
                                               buffer: png });
    const thumbs = page.locator("#image-files-list img");
    await expect.poll(() => thumbs.count()).toBe(1);
    expect(await thumbs.getAttribute("alt")).toBe("reference picture 1 of 1: start.png");
    expect(await naturalSize(thumbs)).toEqual([40, 30]);
    expect(await page.textContent("#image-error")).toBe("");

    // No size asked: the upstream draws at the reference's size.
    await page.fill("#image-prompt", "the same square, at night");
    await page.fill("#image-width", "");
    await page.fill("#image-height", "");
    await page.fill("#image-seed", "");
    const body = await bodySent("/api/inference", () => page.click("#draw-button"));
    expect(body).toEqual({
      model_id: "art:editor", task: "text-to-image", settings: {},
      inputs: { text: "the same square, at night",
                files: [{ type: "file", mediaType: "image/png", data: png.toString("base64") }] },
    });
    const img = page.locator("#image-out img");
    await expect.poll(() => img.count()).toBe(1);
    expect(await naturalSize(img)).toEqual([40, 30]);
    expect(await page.textContent("#error")).toBe("");
    expect(await page.textContent("#status")).toBe("1 picture");
    await shot("draw-from-picture");

    // More than the model takes, or no picture by its type: stopped in the
    // page as soon as chosen, and again at Draw, never sent.
    let sent = 0;
    const count = (r: { url(): string }) => {
      if (r.url().includes("/api/inference")) sent++;
    };
    page.on("request", count);
    await page.setInputFiles("#image-files", [1, 2, 3].map((i) => (
      { name: `start-${i}.png`, mimeType: "image/png", buffer: png })));
    await expect.poll(() => page.textContent("#image-error"))
      .toBe("reference pictures: this model takes at most 2; 3 are chosen");
    expect(await page.getAttribute("#image-files", "aria-invalid")).toBe("true");
    expect(await thumbs.count()).toBe(3);
    await page.click("#draw-button");
    expect(await page.textContent("#image-error"))
      .toBe("reference pictures: this model takes at most 2; 3 are chosen");
    await shot("draw-too-many-pictures");
    await page.setInputFiles("#image-files", { name: "notes.txt", mimeType: "text/plain",
                                               buffer: Buffer.from("not a picture") });
    await expect.poll(() => page.textContent("#image-error"))
      .toBe("reference pictures: notes.txt is not a PNG, JPEG or WebP picture");
    await page.click("#draw-button");
    page.off("request", count);
    expect(sent).toBe(0);

    // Cleared with the keyboard; the focus goes back to the file field.
    await page.focus("#image-files");
    await tabTo("#image-files-clear", 3);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#image-files-list li").count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("image-files");
    expect(await page.isVisible("#image-files-clear")).toBe(false);
    expect(await page.textContent("#image-error")).toBe("");
    expect(await page.getAttribute("#image-files", "aria-invalid")).toBe("false");

    // A file that says it is a PNG but is not: the server's 400, naming it.
    await page.setInputFiles("#image-files", { name: "fake.png", mimeType: "image/png",
                                               buffer: Buffer.from("just some text") });
    await page.click("#draw-button");
    await expect.poll(() => page.textContent("#error")).toBe(
      "400: 'inputs.files[0]' is not a PNG, JPEG or WebP picture (inputs.files[0])");

    // The history keeps the run, not its pictures: running it again says so.
    await page.click("#runs-refresh");
    await page.locator("#runs li button")
      .filter({ hasText: /the same square, at night.*text-to-image · art:editor · stop/ })
      .first().click();
    await page.waitForSelector("#run-view:not([hidden])");
    await page.click("#run-again");
    expect(await page.inputValue("#image-prompt")).toBe("the same square, at night");
    expect(await page.inputValue("#image-width")).toBe("");
    expect(await page.textContent("#status")).toContain("keeps no reference pictures");

    // Pictures chosen for one model are not sent with another.
    await page.setInputFiles("#image-files", { name: "start.png", mimeType: "image/png",
                                               buffer: png });
    await expect.poll(() => thumbs.count()).toBe(1);
    await openModel("art:painter");
    expect(await page.$eval("#image-files", (el: HTMLInputElement) => el.files?.length)).toBe(0);
    await page.fill("#image-prompt", "a lighthouse at dusk");
    await page.fill("#image-width", "64");
    await page.fill("#image-height", "64");
    const plain = await bodySent("/api/inference", () => page.click("#draw-button"));
    expect(plain.inputs).toEqual({ text: "a lighthouse at dusk" });
    await expect.poll(() => img.count()).toBe(1);
    expect(await naturalSize(img)).toEqual([64, 64]);
  });

  it("makes a video through a video provider, showing its progress, to watch and download",
     async () => {
    // From the goal: the one model that makes videos, opened in the Make panel.
    await page.fill("#search", "");
    const cards = page.locator("#models li button");
    const ids = () => cards.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.model));
    await page.click("#goal-buttons button[data-goal=music]");
    await expect.poll(() => cards.count()).toBe(0);
    expect(await page.textContent("#goal-note")).toContain("No model here can do it yet");
    await page.click("#goal-buttons button[data-goal=video]");
    await expect.poll(ids).toEqual(["studio:clip"]);
    await cards.first().click();
    await expect.poll(() => page.textContent('#model-facts dd[data-fact="id"]'))
      .toBe("studio:clip");
    await page.click("#goal-buttons button[data-goal=video]"); // a second click clears it
    expect(await chooser()).toEqual({ tasks: ["text-to-video"], checked: "text-to-video" });
    expect(await page.isVisible("#panel-media")).toBe(true);
    expect(await page.isVisible("#panel-text")).toBe(false);
    expect(await page.textContent('#model-facts dd[data-fact="durations"]'))
      .toBe("1 or 2 seconds");
    // The lengths offered are exactly the model's, after the model's own choice.
    expect(await page.$$eval("#media-duration option", (os) =>
      os.map((o) => [(o as HTMLOptionElement).value, o.textContent]))).toEqual(
      [["", "model's choice"], ["1", "1 second"], ["2", "2 seconds"]]);
    expect(await page.isVisible("#media-seconds")).toBe(false); // no free length: a list
    expect(await page.isVisible("#media-width")).toBe(true); // it takes width and height
    expect(await page.isVisible("#media-audio")).toBe(false);

    // An empty prompt, or half a size, is stopped in the page, named.
    let sent = 0;
    const count = (r: { url(): string }) => {
      if (r.url().includes("/api/inference")) sent++;
    };
    page.on("request", count);
    await page.fill("#media-prompt", "  ");
    await page.click("#media-button");
    expect(await page.textContent("#media-error")).toBe("prompt: say what video to make");
    expect(await page.getAttribute("#media-prompt", "aria-invalid")).toBe("true");
    await page.fill("#media-prompt", "a red ball bouncing");
    await page.fill("#media-width", "32");
    await page.click("#media-button");
    expect(await page.textContent("#media-error"))
      .toBe("height is empty: give both width and height, or neither");
    expect(await page.getAttribute("#media-prompt", "aria-invalid")).toBe("false");
    page.off("request", count);
    expect(sent).toBe(0);

    // Every line the progress status shows, as it shows it (each lasts one
    // poll, 100 ms).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver((records) => {
        for (const r of records)
          for (const n of r.addedNodes) seen.push(n.textContent ?? "");
      }).observe(document.getElementById("media-progress-status")!, { childList: true });
    });
    const progressSeen = () => page.evaluate(() =>
      (window as unknown as { progressSeen: string[] }).progressSeen);

    // A 1-second 32x18 video: progress, then the video and its download.
    await page.selectOption("#media-duration", "1");
    await page.fill("#media-height", "18");
    const body = await bodySent("/api/inference/stream", () => page.click("#media-button"));
    expect(body).toEqual({ model_id: "studio:clip", task: "text-to-video",
                           inputs: { text: "a red ball bouncing", duration: 1 },
                           settings: { width: 32, height: 18 } });
    await expect.poll(() => page.getAttribute("#media-video", "src")).toMatch(/^blob:/);
    const src = await page.getAttribute("#media-video", "src");
    expect(await page.isVisible("#media-video")).toBe(true);
    expect(await page.isVisible("#media-audio")).toBe(false);
    expect(await page.getAttribute("#media-video", "aria-label"))
      .toBe("The video made from: a red ball bouncing");
    expect(await page.getAttribute("#media-download", "href")).toBe(src);
    expect(await page.getAttribute("#media-download", "download")).toBe("switchyard-video.mp4");
    expect(await page.textContent("#media-download")).toBe("Download switchyard-video.mp4");
    expect(await page.textContent("#media-size")).toMatch(/^video\/mp4, \d+(\.\d)? (bytes|KiB|MiB)$/);
    const seen = await progressSeen();
    expect(seen).toContain("in_progress 50%");
    expect(seen.indexOf("in_progress 50%")).toBeLessThan(seen.indexOf("completed 100%"));
    expect(await page.textContent("#media-progress-status")).toBe("completed 100%");
    expect(await page.$eval("#media-progress", (p: HTMLProgressElement) => p.value)).toBe(100);
    expect(await page.getAttribute("#media-progress", "aria-label")).toBe("Video progress");
    expect(await page.textContent("#status")).toMatch(/^a video of .+ · made in \d+\.\d s$/);
    expect(await page.textContent("#error")).toBe("");
    expect(await page.isEnabled("#media-button")).toBe(true);
    expect(await page.isEnabled("#media-stop")).toBe(false);
    // The download is the file itself: an MP4 (its ftyp box first).
    const box = await page.$eval("#media-download", async (a: HTMLAnchorElement) =>
      String.fromCharCode(...new Uint8Array(await (await fetch(a.href)).arrayBuffer())
        .subarray(4, 8)));
    expect(box).toBe("ftyp");
    await shot("video");

    // A size the model does not make: the server's 422, naming the field.
    await page.fill("#media-width", "40");
    await page.fill("#media-height", "40");
    await page.click("#media-button");
    await expect.poll(() => page.textContent("#error")).toBe(
      "422: model 'studio:clip' makes videos of 64x36, 32x18 only; 40x40 is not one of them " +
      "(settings.width)");
    // The video before is gone, and its bytes let go.
    expect(await page.isVisible("#media-out")).toBe(false);
    expect(await page.evaluate((u) => fetch(u).then(() => "kept", () => "revoked"), src!))
      .toBe("revoked");

    // A job the provider fails: its reason, after the progress it made.
    await page.fill("#media-width", "");
    await page.fill("#media-height", "");
    await page.fill("#media-prompt", "a video that should fail");
    await page.click("#media-button");
    await expect.poll(() => page.textContent("#error"))
      .toContain("the test upstream declines this video");
    expect(await page.textContent("#error")).toMatch(/^502: .*\(moderation_blocked\)$/);
    expect(await page.isVisible("#media-progress-field")).toBe(false);
    expect(await page.isVisible("#media-out")).toBe(false);
    expect(await page.isEnabled("#media-button")).toBe(true);
    await shot("video-failed");

    // Stop while the provider works: the request ends, and so does the run.
    await page.fill("#media-prompt", "a long slow sunset");
    await page.evaluate(() => {
      const status = document.getElementById("media-progress-status")!;
      const watch = new MutationObserver(() => {
        if (!status.textContent?.startsWith("in_progress")) return;
        watch.disconnect();
        document.getElementById("media-stop")!.click();
      });
      watch.observe(status, { childList: true });
    });
    await page.click("#media-button");
    await expect.poll(() => page.textContent("#status")).toBe("Stopped.");
    expect(await page.textContent("#error")).toBe("");
    expect(await page.isVisible("#media-progress-field")).toBe(false);
    expect(await page.isEnabled("#media-button")).toBe(true);
    expect(await page.isEnabled("#media-stop")).toBe(false);
    await expect.poll(async () => {
      const runs = (await (await fetch(`${server.url}/api/runs?limit=1`)).json()) as {
        runs: { model: string; input: string; finish: string }[];
      };
      return runs.runs[0] && `${runs.runs[0].input} ${runs.runs[0].finish}`;
    }).toBe("a long slow sunset cancelled");

    // The video is kept in the history: running it again brings back its
    // prompt and size.
    await page.click("#runs-refresh");
    await page.locator("#runs li button")
      .filter({ hasText: /a red ball bouncing.*text-to-video · studio:clip · stop/ }).first()
      .click();
    await page.waitForSelector("#run-view:not([hidden])");
    expect(await page.textContent("#run-view-figures")).toMatch(/^made in \d+\.\d s$/);
    await page.fill("#media-prompt", "");
    await page.click("#run-again");
    expect(await page.isVisible("#panel-media")).toBe(true);
    expect(await page.inputValue("#media-prompt")).toBe("a red ball bouncing");
    expect(await page.inputValue("#media-width")).toBe("32");
    expect(await page.inputValue("#media-height")).toBe("18");
    expect(await page.inputValue("#media-duration")).toBe("");
  });

  it("transcribes an uploaded file into timed segments", async () => {
    const wav = await speech("turn on the light");

    await openModel("pocketsphinx-en-us");
    expect(await page.isVisible("#panel-stt")).toBe(true);
    // Only what pocketsphinx takes: expected phrases, English only.
    expect(await page.isVisible("#stt-phrases")).toBe(true);
    for (const other of ["#stt-prompt", "#stt-translate", "#stt-language"])
      expect(await page.isVisible(other), other).toBe(false);
    await page.setInputFiles("#stt-file", { name: "phrase.wav", mimeType: "audio/wav",
                                            buffer: wav });
    await page.fill("#stt-phrases", "turn on the light\nturn off the light\nopen the door");
    await page.click("#stt-form button[type=submit]");
    await expect.poll(() => page.textContent("#status")).toContain("turn on the light");
    const segments = await page.locator("#segments li").allTextContents();
    expect(segments.length).toBeGreaterThan(0);
    expect(segments[0]).toMatch(/^\[\d+\.\d\d–\d+\.\d\d s\] /);
    await shot("transcription");

    await page.setInputFiles("#stt-file", { name: "notes.wav", mimeType: "audio/wav",
                                            buffer: Buffer.from("just some text, not audio") });
    await page.click("#stt-form button[type=submit]");
    await expect.poll(() => page.textContent("#error"))
      .toMatch(/^415: the upload is not audio this server can read .* \(inputs\.audio\)$/);
  });

  it("offers whisper's language, prompt and translation, and transcribes into English",
     async () => {
    const wav = await speech("turn on the light");
    await openModel("ggml-tiny");
    expect(await chooser()).toEqual({ tasks: ["automatic-speech-recognition"],
                                      checked: "automatic-speech-recognition" });
    expect(await page.isVisible("#panel-stt")).toBe(true);
    expect(await page.textContent('#model-facts dd[data-fact="languages"]'))
      .toBe("99 languages");
    for (const shown of ["#stt-language", "#stt-prompt", "#stt-translate"])
      expect(await page.isVisible(shown), shown).toBe(true);
    expect(await page.isVisible("#stt-phrases")).toBe(false);
    const languages = page.locator("#stt-language option");
    expect(await languages.count()).toBe(100);
    expect(await languages.first().textContent()).toBe("detect automatically");
    expect(await languages.first().getAttribute("value")).toBe("");
    expect(await page.textContent('#stt-language option[value="de"]')).toBe("German (de)");
    await shot("whisper-options");

    await page.setInputFiles("#stt-file", { name: "phrase.wav", mimeType: "audio/wav",
                                            buffer: wav });
    await page.selectOption("#stt-language", "de");
    await page.fill("#stt-prompt", "Lights, kitchen, hallway.");
    await page.check("#stt-translate");
    const body = await bodySent("/api/inference/stream",
                                () => page.click("#stt-form button[type=submit]"));
    expect(body.task).toBe("automatic-speech-recognition");
    const { audio, ...options } = body.inputs as Record<string, unknown>;
    expect(typeof audio).toBe("string");
    expect(options).toEqual({ language: "de", prompt: "Lights, kitchen, hallway.",
                              translate: true }); // no phrases: whisper does not take them
    // Random weights hear nothing in particular: the shape is checked, not the words.
    await expect.poll(() => page.textContent("#status")).toMatch(/ s of audio · in English$/);
    expect(await page.textContent("#error")).toBe("");
    const segments = await page.locator("#segments li").allTextContents();
    expect(segments.length).toBeGreaterThan(0);
    const starts = segments.map((s) => {
      const m = /^\[(\d+\.\d\d)–(\d+\.\d\d) s\] /.exec(s);
      expect(m, s).not.toBeNull();
      return Number(m![1]);
    });
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    await shot("whisper-transcription");

    await page.click("#runs-refresh");
    await expect.poll(() => page.locator("#runs li button")
      .filter({ hasText: /automatic-speech-recognition · ggml-tiny · (stop|length)/ }).count())
      .toBeGreaterThan(0);
  });

  it("transcribes a recording from the microphone", async () => {
    await openModel("pocketsphinx-en-us");
    await page.click("#record-button");
    // Long enough for the looped phrase to be heard whole at least once.
    await expect.poll(async () => parseFloat((await page.textContent("#record-status")) ?? "0"))
      .toBeGreaterThan(4.5);
    await page.click("#record-button");
    expect(await page.textContent("#record-status")).toContain("press Transcribe");
    await page.fill("#stt-phrases", "turn on the light\nturn off the light\nopen the door");
    await page.click("#stt-form button[type=submit]");
    await expect.poll(() => page.textContent("#status")).toContain("turn on the light");
    await shot("microphone");
  });

  it("keeps every run: reopen, run again, delete", async () => {
    await page.click("#runs-refresh");
    const items = page.locator("#runs li button");
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(4);
    const texts = await items.allTextContents();
    expect(texts.some((t) => t.includes("slow · cancelled"))).toBe(true);
    expect(texts.some((t) => t.includes("text-to-speech · espeak-ng"))).toBe(true);
    expect(texts.some((t) => t.includes("automatic-speech-recognition · pocketsphinx-en-us")))
      .toBe(true);

    // A run the server refused is kept with its error.
    await items.filter({ hasText: /text-generation · tiny · context_length_exceeded/ }).first()
      .click();
    await expect.poll(() => page.textContent("#run-view-error"))
      .toMatch(/max_tokens asks for 100000 more/);

    const chat = items.filter({ hasText: /^Hello\d.*text-generation · tiny · (stop|length)/ })
      .first();
    await chat.click();
    await page.waitForSelector("#run-view:not([hidden])");
    expect(await page.textContent("#run-view-input")).toBe("Hello");
    expect(await page.textContent("#run-view-settings")).toContain("max_new_tokens=16");
    expect((await page.textContent("#run-view-output"))!.length).toBeGreaterThan(0);
    await shot("runs");

    await page.click("#run-again");
    expect(await page.inputValue("#prompt")).toBe("Hello");
    expect(await page.inputValue("#settings input[name=max_new_tokens]")).toBe("16");
    expect(await page.textContent('#model-facts dd[data-fact="id"]')).toBe("tiny");
    expect((await chooser()).checked).toBe("text-generation");

    const before = await items.count();
    await chat.click();
    await page.waitForSelector("#run-view:not([hidden])");
    await page.click("#run-forget");
    await expect.poll(() => items.count()).toBe(before - 1);
    expect(await page.isHidden("#run-view")).toBe(true);
  });

  it("says so when the server is gone", async () => {
    await server.stop();
    await openModel("tiny"); // the list is already on the page
    await page.fill("#prompt", "Anyone there?");
    await page.click("#run-button");
    await expect.poll(() => page.textContent("#error")).toContain("cannot reach the server");
    await shot("server-gone");
  });
});
