// settings.ts -- GenerationSettings checked in the page with the server's
// bounds (README: task API), so a bad value is stopped before Run, with the
// field named, instead of coming back as a 400.

export type SettingName = "temperature" | "top_p" | "top_k" | "max_new_tokens" | "seed";

interface Bound {
  min: number;
  max: number;
  minOpen?: boolean; // the minimum itself is not allowed
  integer?: boolean;
}

export const BOUNDS: Record<SettingName, Bound> = {
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1, minOpen: true },
  top_k: { min: 0, max: 1_000_000, integer: true },
  max_new_tokens: { min: 1, max: 1 << 20, integer: true },
  seed: { min: 0, max: 4294967295, integer: true },
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
