// playground.e2e.ts -- the playground as a person uses it, in headless
// Chromium against a real server: search and open a model, chat with tokens
// streaming in, stop a stream, an invalid setting stopped in the page, a
// server error shown, text-to-speech into a playable audio element, pictures
// drawn through an image provider,
// transcription of an uploaded file, the run history (reopen, run again,
// delete), and a lost server shown. Each main view is saved as a screenshot.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
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
  await expect.poll(() => page.textContent("#model-detail")).toContain(`${id}:`);
}

/** espeak-ng saying `text`, with a second of silence either side, as a WAV
 *  file for Chromium's fake microphone (which plays it in a loop). */
async function spokenWav(text: string): Promise<Buffer> {
  const res = await fetch(`${server.url}/v1/audio/speech`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "espeak-ng", input: text, response_format: "wav" }),
  });
  const wav = Buffer.from(await res.arrayBuffer());
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
    for (const id of ["tiny", "slow", "broken", "espeak-ng", "pocketsphinx-en-us"])
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
    await expect.poll(async () => (await ids()).sort()).toEqual(["art:chat-model", "art:painter"]);
    await page.selectOption("#provider-filter", "here");
    await expect.poll(ids).toContain("tiny");
    expect((await ids()).some((id) => id?.startsWith("art:"))).toBe(false);
    await page.selectOption("#provider-filter", "");

    // Starting from a goal shows the models that meet it, or says none can.
    await page.click("#goal-buttons button[data-goal=transcribe]");
    await expect.poll(() => cards.allTextContents())
      .toEqual([expect.stringMatching(/^pocketsphinx-en-us/)]);
    await page.click("#goal-buttons button[data-goal=draw]");
    await expect.poll(() => cards.allTextContents())
      .toEqual([expect.stringMatching(/^art:painter/)]);
    await page.click("#goal-buttons button[data-goal=describe-image]");
    await expect.poll(() => cards.count()).toBe(0);
    expect(await page.textContent("#goal-note")).toContain("No model here can do it yet");
    await shot("goals");
    await page.click("#goal-buttons button[data-goal=describe-image]"); // a second click clears it
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(5);

    await openModel("tiny");
    expect(await page.isVisible("#panel-text")).toBe(true);
    expect(await page.isVisible("#panel-tts")).toBe(false);
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
    const size = await img.evaluate((el: HTMLImageElement) =>
      el.complete && el.naturalWidth ? [el.naturalWidth, el.naturalHeight]
        : new Promise<number[]>((resolve, reject) => {
          el.addEventListener("load", () => resolve([el.naturalWidth, el.naturalHeight]));
          el.addEventListener("error", () => reject(new Error("the picture does not load")));
        }));
    expect(size).toEqual([96, 48]);
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

  it("transcribes an uploaded file into timed segments", async () => {
    // The file: espeak-ng speaking a phrase, through the OpenAI surface.
    const res = await fetch(`${server.url}/v1/audio/speech`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "espeak-ng", input: "turn on the light",
                             response_format: "wav" }),
    });
    expect(res.status).toBe(200);
    const wav = Buffer.from(await res.arrayBuffer());

    await openModel("pocketsphinx-en-us");
    expect(await page.isVisible("#panel-stt")).toBe(true);
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
    expect(await page.textContent("#model-detail")).toContain("tiny:");

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
