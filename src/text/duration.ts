/** Milliseconds as seconds to a tenth: "2.5 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Milliseconds under a second ("350 ms"), seconds from one ("2.5 s"). */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : seconds(ms);
}
