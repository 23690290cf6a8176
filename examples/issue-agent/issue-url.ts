import { z } from 'zod';

/** The parts of a GitHub issue URL. */
export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}

const ISSUE_URL = /^https:\/\/github\.com\/([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})\/issues\/([1-9][0-9]{0,9})\/?$/;

/** The issue agent's parameters: a GitHub issue URL, checked before anything starts. */
export const IssueAgentParams = z.object({
  url: z.string().regex(ISSUE_URL, 'must be a GitHub issue URL: https://github.com/<owner>/<repo>/issues/<number>'),
});
export type IssueAgentParams = z.infer<typeof IssueAgentParams>;

/** Owner, repository and number of an issue URL that passed {@link IssueAgentParams}. */
export function parseIssueUrl(url: string): IssueRef {
  const match = ISSUE_URL.exec(url);
  if (!match) throw new Error(`not a GitHub issue URL: ${url}`);
  return { owner: match[1]!, repo: match[2]!, number: Number(match[3]) };
}
