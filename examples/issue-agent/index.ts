// The issue agent, for `baton worker start --flows examples/issue-agent`.
export { issueAgent } from './flows';
export type { IssueAgentSummary, IssueAgentAction } from './summary';
