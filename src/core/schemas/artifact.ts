/** Artifacts as the API serves them: what runs published for people to read (see core/artifacts.ts). */
import { z } from 'zod';
import { ARTIFACT_KEY_PATTERN, ARTIFACT_TYPES } from '../artifacts';
import { contract, doc } from './contract';

export const ArtifactKey = z.string().regex(ARTIFACT_KEY_PATTERN, 'must be 1-100 lowercase letters, digits or dashes');

export const FlowRunArtifact = z
  .object({
    id: doc(z.string(), 'Unique in its run: `flow:<n>` for one the flow created, `<task run id>#<n>` for a task’s n-th.'),
    flowRunId: z.string(),
    key: doc(ArtifactKey.optional(), 'Artifacts with the same key are the versions of that key.'),
    type: z.enum(ARTIFACT_TYPES),
    data: doc(z.unknown(), 'markdown: the text; table: the rows; link and image: the URL; progress: a number from 0 to 100.'),
    description: z.string().optional(),
    task: doc(
      z.object({ taskRunId: z.string(), taskName: z.string(), attempt: z.number().int() }).optional(),
      'Set when a task created it: the attempt that created it (a later attempt’s artifact replaces an earlier attempt’s).',
    ),
    createdAt: z.string(),
    updatedAt: doc(z.string(), 'When it was last replaced or its progress last updated.'),
  })
  .register(contract, { id: 'Artifact' });
export type FlowRunArtifact = z.infer<typeof FlowRunArtifact>;

export const ArtifactList = z.object({ artifacts: z.array(FlowRunArtifact) }).register(contract, { id: 'ArtifactList' });
export type ArtifactList = z.infer<typeof ArtifactList>;

export const ArtifactVersions = z
  .object({
    key: ArtifactKey,
    versions: doc(z.array(FlowRunArtifact), 'Every version of the key, latest first, across the latest runs that created it.'),
    unavailableRuns: doc(
      z.array(z.string()),
      "Runs that created the key but did not answer in time (each has 3 s: no worker of the run's flow, or a busy one): their versions are missing from `versions`.",
    ),
  })
  .register(contract, { id: 'ArtifactVersions' });
export type ArtifactVersions = z.infer<typeof ArtifactVersions>;

export const ArtifactsQuery = z
  .object({
    key: doc(ArtifactKey, 'The key whose versions are wanted.'),
    runs: doc(
      z
        .string()
        .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
        .transform(Number)
        .pipe(z.number().int().min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100'))
        .optional(),
      'How many of the latest runs that created the key to read (default 20).',
    ),
  })
  .strict();
