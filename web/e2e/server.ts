// server.ts -- a real switchyard serve for the end-to-end tests: models
// generated with switchyard-make-model and switchyard-make-whisper into a
// temporary directory, port 0, the built playground as web_root, its log
// kept beside the screenshots.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (ctest sets it; see tests/tests.cmake)`);
  return v;
}

export interface Server {
  url: string;
  stop(): Promise<void>;
}

/** Runs the generator named by the environment variable gen. */
function generate(gen: string, out: string, args: string[]): void {
  const r = spawnSync(env(gen), ["--out", out, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${gen} --out ${out} ${args.join(" ")}: ${r.stderr}`);
}

function makeModel(out: string, args: string[]): void {
  generate("SY_TEST_MAKE_MODEL", out, args);
}

/** The first match of re in a child's standard output (its group 1); the
 *  rest of the output goes to log, if given. */
function firstMatch(child: ChildProcess, re: RegExp, log?: NodeJS.WritableStream):
    Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let seen = "";
    const onData = (b: Buffer) => {
      seen += b.toString();
      const m = re.exec(seen);
      if (!m) return;
      child.stdout!.off("data", onData);
      if (log) child.stdout!.pipe(log);
      else child.stdout!.resume();
      resolve(m[1]);
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${re}: exited (${code}) first`)));
  });
}

/** Starts the server with four local models: `tiny` (fast, for chat and
 *  embeddings), `slow` (larger, never stops on its own: there is time to
 *  press Stop), `broken` (not a valid GGUF file: running it is a server
 *  error) and `ggml-tiny` (a multilingual whisper model with random weights:
 *  it hears nothing in particular, but runs whisper.cpp's whole path, in the
 *  switchyard-whisper worker beside the server's binary); and a
 *  remote provider `down` that cannot be reached, and `art`, an image
 *  upstream (switchyard-test-images) whose `painter` draws 64x64 or 96x48
 *  PNGs from text only and whose `editor` takes up to two reference
 *  pictures (drawing at the first one's size when no size is asked);
 *  `studio`, a video upstream (switchyard-test-media) whose `clip` makes
 *  64x36 or 32x18 videos of 1 or 2 seconds as jobs that advance one step
 *  each time they are asked after (every 100 ms: in_progress 50%, then
 *  completed; a prompt with "fail" in it fails instead); its Hub is a
 *  loopback one (switchyard-test-hub) holding acme/tiny-GGUF. */
export async function startServer(artifacts: string): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-e2e-"));
  const models = join(dir, "models");
  mkdirSync(models);
  makeModel(join(models, "tiny.gguf"), ["--preset", "tiny", "--type", "q8_0"]);
  makeModel(join(models, "slow.gguf"), ["--preset", "smollm2-135m", "--type", "q4_0",
                                       "--never-stop"]);
  const junk = Buffer.alloc(4096, 0xff);
  junk.write("GGUF", 0, "latin1");
  junk.writeUInt32LE(3, 4);
  writeFileSync(join(models, "broken.gguf"), junk);
  generate("SY_TEST_MAKE_WHISPER", join(models, "ggml-tiny.bin"), []);

  // A Hub on loopback with one GGUF repository, for pulling from the page.
  const hubRoot = join(dir, "hub-root");
  mkdirSync(join(hubRoot, "acme", "tiny-GGUF"), { recursive: true });
  makeModel(join(hubRoot, "acme", "tiny-GGUF", "tiny-Q8_0.gguf"),
            ["--preset", "tiny", "--type", "q8_0"]);
  writeFileSync(join(hubRoot, "acme", "tiny-GGUF", "README.md"), "# tiny\n");
  const hub = spawn(env("SY_TEST_HUB"), [hubRoot], { stdio: ["ignore", "pipe", "inherit"] });
  const hubUrl = await firstMatch(hub, /hub on (http:\/\/127\.0\.0\.1:\d+)/);
  const images = spawn(env("SY_TEST_IMAGES"), [], { stdio: ["ignore", "pipe", "inherit"] });
  const imagesUrl = await firstMatch(images, /images on (http:\/\/127\.0\.0\.1:\d+)/);
  const media = spawn(env("SY_TEST_MEDIA"), [], { stdio: ["ignore", "pipe", "inherit"] });
  const mediaUrl = await firstMatch(media, /media on (http:\/\/127\.0\.0\.1:\d+)/);

  mkdirSync(artifacts, { recursive: true });
  const log = createWriteStream(join(artifacts, "server.log"));
  const child: ChildProcess = spawn(env("SY_TEST_SERVER"), [
    "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir, "--models-dir", models,
    "--llama-worker", env("SY_TEST_WORKER"), "--web-root", env("SY_WEB_ROOT"), "--threads", "2",
    "--log-level", "info", "--hub-url", hubUrl, "--hub-cache", join(dir, "hub-cache"),
    // A remote provider nobody answers for: the page must say so.
    "--providers", JSON.stringify([
      { name: "down", kind: "openai", base_url: "http://127.0.0.1:1/v1", connect_timeout: 1 },
      { name: "art", kind: "openai", base_url: `${imagesUrl}/v1`,
        images: { painter: { sizes: ["64x64", "96x48"] }, editor: { files: 2 } } },
      { name: "studio", kind: "openai", base_url: `${mediaUrl}/v1`, poll_interval_ms: 100,
        videos: { clip: { sizes: ["64x36", "32x18"], seconds: [1, 2] } } },
    ]),
  ], { stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.pipe(log);

  const url = await firstMatch(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/, log);

  return {
    url,
    async stop() {
      await Promise.all([child, hub, images, media].map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once("exit", r));
        p.kill("SIGTERM");
        await exited;
      }));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
