// The same work for the raw Temporal SDK.
export async function noop(i: number): Promise<number> {
  return i;
}
