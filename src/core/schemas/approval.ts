/** Approvals: what waits for people, and what they decide. */
import { z } from 'zod';
import { boundedJson, Name, Page } from './common';
import { contract, doc } from './contract';

export const PendingApprovalItem = z
  .object({
    flowRunId: z.string(),
    flowName: z.string(),
    runName: z.string().nullable(),
    deployment: z.string().nullable(),
    key: z.string(),
    description: z.string().nullable(),
    inputSchema: doc(z.record(z.string(), z.unknown()).nullable(), 'JSON schema of the input the approver gives'),
    since: z.string(),
    deadline: z.string().nullable(),
    webUrl: z.string().nullable(),
  })
  .register(contract, { id: 'PendingApproval' });
export type PendingApprovalItem = z.infer<typeof PendingApprovalItem>;

export const ListApprovalsQuery = Page.extend({ flow: Name.optional(), deployment: Name.optional() }).strict();
export type ListApprovalsQuery = z.infer<typeof ListApprovalsQuery>;

export const ApprovalList = z.object({ approvals: z.array(PendingApprovalItem), nextPageToken: z.string().nullable() }).register(contract, { id: 'ApprovalList' });
export type ApprovalList = z.infer<typeof ApprovalList>;

export const Decide = z
  .object({
    decision: z.enum(['approve', 'reject']),
    input: doc(boundedJson(z.unknown()).optional(), 'The typed input the approval asks for (checked against its schema when approving).'),
    comment: z.string().max(10_000).optional(),
  })
  .strict()
  .register(contract, { id: 'Decide' });
export type Decide = z.infer<typeof Decide>;

export const ApprovalResult = z
  .object({
    decision: z.enum(['approve', 'reject']),
    input: z.unknown().optional(),
    comment: z.string().optional(),
    decidedBy: z.string(),
    decidedAt: z.string(),
    timedOut: z.boolean(),
  })
  .register(contract, { id: 'ApprovalResult' });

export const Resume = z
  .object({ key: doc(z.string().min(1).max(200).optional(), 'resume only the pause() with this key') })
  .strict()
  .register(contract, { id: 'Resume' });
