import type { AgentResult } from 'baton/workflows';
import type { IssueRef } from './issue-url';
import { isReadTool } from './tool-kinds';

/** One tool call the agent made, and what became of it. */
export interface IssueAgentAction {
  tool: string;
  args: unknown;
  write: boolean;
  /** `done`: it ran; `rejected`: a person said no, so it never ran; `failed`: it ran and failed. */
  outcome: 'done' | 'rejected' | 'failed';
  /** Who rejected it and why, or the error. */
  detail?: string;
}

/** What the issue agent returns. */
export interface IssueAgentSummary {
  issue: IssueRef & { title: string | null };
  /** The model's closing words. */
  answer: string;
  actions: IssueAgentAction[];
  /** One line per action, then what was and was not written. */
  report: string;
  steps: number;
  totalTokens: number;
}

export function summarize(issue: IssueRef & { title: string | null }, run: AgentResult): IssueAgentSummary {
  const actions: IssueAgentAction[] = run.toolCalls.map((call) => ({
    tool: call.tool,
    args: call.input,
    write: !isReadTool(call.tool),
    outcome: !call.approved ? 'rejected' : call.error !== undefined ? 'failed' : 'done',
    ...(call.error !== undefined ? { detail: call.error } : {}),
  }));
  const written = actions.filter((a) => a.write && a.outcome === 'done');
  const rejected = actions.filter((a) => a.outcome === 'rejected');
  const lines = [
    `${issue.owner}/${issue.repo}#${issue.number}${issue.title ? ` "${issue.title}"` : ''}: read, then ${run.steps} model steps`,
    ...actions.map((a) => `- ${a.tool} (${a.write ? 'write' : 'read'}): ${a.outcome}${a.detail ? ` (${a.detail})` : ''}`),
    written.length ? `${written.length} write(s) made: ${written.map((a) => a.tool).join(', ')}` : 'nothing was written to GitHub',
    ...(rejected.length ? [`${rejected.length} write(s) rejected: ${rejected.map((a) => a.tool).join(', ')}`] : []),
  ];
  return {
    issue,
    answer: run.text,
    actions,
    report: lines.join('\n'),
    steps: run.steps,
    totalTokens: run.usage.totalTokens ?? 0,
  };
}
