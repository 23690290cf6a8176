/**
 * The messages between people (through the API and CLI) and a waiting flow: signal, update and
 * query names, and the shapes they carry. Pure: used in flows and in Node.
 */

/** Signal: stop starting new tasks until resumed. */
export const PAUSE_SIGNAL = 'baton.pause';
/** Signal: go on (all pauses, or only `pause({ key })` with that key). */
export const RESUME_SIGNAL = 'baton.resume';
/** Update (with a validator): decide a pending approval. */
export const DECIDE_UPDATE = 'baton.decide';
/** Memo key under which a waiting flow lists its pending approvals. */
export const APPROVALS_MEMO = 'batonApprovals';

export type Decision = 'approve' | 'reject';

export interface ResumeRequest {
  /** Resume only the `pause()` with this key; omitted resumes everything. */
  key?: string;
  by?: string;
}

export interface DecideRequest {
  key: string;
  decision: Decision;
  input?: unknown;
  comment?: string;
  /** The API key's name (or `local`). */
  decidedBy?: string;
}

/** What a flow gets back from `approval()`. */
export interface ApprovalResult<T> {
  decision: Decision;
  /** The typed input (validated against the approval's schema when approved). */
  input: T | undefined;
  comment?: string;
  decidedBy: string;
  decidedAt: string;
  /** True when nobody answered in time and the default applied. */
  timedOut: boolean;
}

/** A pending approval as the flow advertises it in its memo. */
export interface PendingApproval {
  key: string;
  description?: string;
  /** JSON schema of the input the approver gives, or null when none is asked. */
  inputSchema: Record<string, unknown> | null;
  since: string;
  /** When it times out, if it does. */
  deadline?: string;
}
