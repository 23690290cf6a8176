/** What the concurrency-limit tests measure: spans of time the held work recorded, and their overlap. */
export interface Span {
  start: number;
  end: number;
}

/** The most spans that overlap at any instant (an end at the same ms as a start does not overlap it). */
export function mostAtOnce(spans: Span[]): number {
  const edges = spans.flatMap((s) => [
    { at: s.start, d: 1 },
    { at: s.end, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}
