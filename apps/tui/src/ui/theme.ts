// Colours by meaning, from the 16 every terminal has (named ANSI colours, never RGB), and
// none at all under NO_COLOR (https://no-color.org): then bold and inverse carry emphasis,
// and every verdict is also spelled out in words.

export type Tone = "allow" | "deny" | "held" | "warn" | "accent" | "dim" | "error";

const COLOURS: Record<Tone, string> = {
  allow: "green",
  deny: "red",
  held: "yellow",
  warn: "yellow",
  accent: "cyan",
  dim: "gray",
  error: "red",
};

export interface Theme {
  /** The ink colour for a tone, or undefined without colour. */
  color(tone: Tone): string | undefined;
  /** Dimmed text: only where colour is used (dim alone may vanish on some terminals). */
  readonly colour: boolean;
}

export function makeTheme(env: NodeJS.ProcessEnv = process.env): Theme {
  const colour = env.NO_COLOR === undefined || env.NO_COLOR === "";
  return { colour, color: (tone) => (colour ? COLOURS[tone] : undefined) };
}

export function verdictTone(verdict: string): Tone {
  if (verdict === "allow") return "allow";
  if (verdict === "deny") return "deny";
  return "held";
}
