import { agent, flow, mcpText, mcpTool } from 'baton/workflows';
import { IssueAgentParams, parseIssueUrl } from './issue-url';
import { summarize } from './summary';
import { isReadTool } from './tool-kinds';

/** The GitHub MCP server's name on the worker (BATON_MCP_SERVERS, or mcpServers in baton.yaml). */
const GITHUB = 'github';

const getIssue = mcpTool<{ owner: string; repo: string; issue_number: number }>(GITHUB, 'get_issue');

const INSTRUCTIONS = [
  'You are Jules, a careful maintainer working on one GitHub issue through the GitHub tools.',
  'First state a short plan. Then act: read what you need (files, other issues), and make the',
  'changes the plan calls for: a comment on the issue, or a branch, a file change and a pull request.',
  'Every write is shown to a person who may reject it; if they do, do not try it again in another',
  'form. End with a short summary of what you did and what is left.',
].join('\n');

/** The issue's title, from get_issue's JSON (null if it is not JSON). */
function titleOf(text: string): string | null {
  try {
    const title = (JSON.parse(text) as { title?: unknown }).title;
    return typeof title === 'string' ? title : null;
  } catch {
    return null;
  }
}

/**
 * The issue agent: reads a GitHub issue, plans with the model and acts through the GitHub MCP
 * server's tools. Each write (any tool that is not a get_*, list_* or search_*) waits for a
 * person's approval first; the result says which calls were made, approved or rejected.
 */
export const issueAgent = flow(
  {
    name: 'issue-agent',
    description: 'Reads a GitHub issue, plans and acts through the GitHub MCP server; every write waits for a person',
    parameters: IssueAgentParams,
    flowRunName: ({ url }) => {
      const { owner, repo, number } = parseIssueUrl(url);
      return `issue-${owner}-${repo}-${number}`;
    },
    tags: ['example', 'github'],
  },
  async ({ url }) => {
    const ref = parseIssueUrl(url);
    // Read by the flow itself: the plan always starts from the issue the URL names.
    const issueText = mcpText(await getIssue({ owner: ref.owner, repo: ref.repo, issue_number: ref.number }));
    const run = await agent(
      {
        name: 'jules',
        instructions: INSTRUCTIONS,
        mcpServers: [{ server: GITHUB, needsApproval: (tool) => !isReadTool(tool) }],
        maxSteps: 12,
      },
      `Issue ${url} (owner ${ref.owner}, repo ${ref.repo}, issue_number ${ref.number}), as GitHub returns it:\n${issueText}`,
    );
    return summarize({ ...ref, title: titleOf(issueText) }, run);
  },
);
