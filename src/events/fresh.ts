/**
 * A read that is never older than its caller: a caller joins a load that starts after it arrived,
 * and callers arriving together share one. Under a burst of events this is one visibility query
 * at a time, never a stale answer.
 */
export function freshReader<T>(load: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const start = () => {
    const p: Promise<T> = load().finally(() => {
      if (inFlight === p) inFlight = undefined;
    });
    inFlight = p;
    return p;
  };
  return () => {
    if (!inFlight) return start();
    queued ??= inFlight
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      });
    return queued;
  };
}
