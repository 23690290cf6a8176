/** The one state vocabulary for flow runs and task runs, shared by the SDK, API and CLI. */
export const STATES = [
  'Scheduled',
  'Pending',
  'Running',
  'Retrying',
  'Paused',
  'AwaitingApproval',
  'Completed',
  'Cached',
  'Failed',
  'TimedOut',
  'Cancelling',
  'Cancelled',
  'Crashed',
] as const;

export type State = (typeof STATES)[number];

const FINAL: ReadonlySet<State> = new Set(['Completed', 'Cached', 'Failed', 'TimedOut', 'Cancelled', 'Crashed']);

/** True for a state a run never leaves. */
export function isFinal(state: State): boolean {
  return FINAL.has(state);
}

/** True for a final state that produced a result. */
export function isSuccess(state: State): boolean {
  return state === 'Completed' || state === 'Cached';
}
