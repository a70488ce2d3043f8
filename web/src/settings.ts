// settings.ts -- GenerationSettings checked in the page with the server's
// bounds (README: task API), so a bad value is stopped before Run, with the
// field named, instead of coming back as a 400.

export type SettingName =
  | "temperature"
  | "top_p"
  | "top_k"
  | "max_new_tokens"
  | "seed"
  | "repetition_penalty"
  | "presence_penalty"
  | "frequency_penalty";

interface Bound {
  min: number;
  max: number;
  minOpen?: boolean; // the minimum itself is not allowed
  integer?: boolean;
}

// The same numbers as the server's table (src/core/settings.c).
export const BOUNDS: Record<SettingName, Bound> = {
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1, minOpen: true },
  top_k: { min: 0, max: 1e9, integer: true },
  max_new_tokens: { min: 1, max: 1 << 24, integer: true },
  seed: { min: 0, max: 4294967295, integer: true },
  repetition_penalty: { min: 0, max: 100, minOpen: true },
  presence_penalty: { min: -2, max: 2 },
  frequency_penalty: { min: -2, max: 2 },
};

export interface Checked {
  settings: Partial<Record<SettingName, number>>;
  errors: Partial<Record<SettingName, string>>;
}

/** Reads the fields as typed; empty ones are left to the server's defaults. */
export function checkSettings(raw: Partial<Record<SettingName, string>>): Checked {
  const out: Checked = { settings: {}, errors: {} };
  for (const name of Object.keys(BOUNDS) as SettingName[]) {
    const text = (raw[name] ?? "").trim();
    if (text === "") continue;
    const b = BOUNDS[name];
    const value = Number(text);
    const range = `${b.minOpen ? "above" : "from"} ${b.min} ${b.minOpen ? "up " : ""}to ${b.max}`;
    if (!Number.isFinite(value)) out.errors[name] = `${name} must be a number ${range}`;
    else if (b.integer && !Number.isInteger(value)) out.errors[name] = `${name} must be a whole number ${range}`;
    else if (value < b.min || (b.minOpen && value === b.min) || value > b.max)
      out.errors[name] = `${name} must be ${range}`;
    else out.settings[name] = value;
  }
  return out;
}

/** Which settings a model honours, from its capabilities (unknown: all). */
export function honoured(settings: string[] | undefined, name: SettingName): boolean {
  return !settings || settings.includes(name);
}

/** Provider options as typed: empty is none; anything else must be a JSON
 *  object, or Run is blocked with the reason (never silently sent as {}). */
export function checkProviderOptions(text: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `provider options are not valid JSON: ${(e as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { error: "provider options must be a JSON object, such as {\"top_k\": 20}" };
  return { value: value as Record<string, unknown> };
}

/** Stop sequences, one per line; empty lines are not sequences. */
export function stopSequences(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}
