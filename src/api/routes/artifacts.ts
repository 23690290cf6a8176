/** Artifacts: a flow run's (`GET /api/flow-runs/:id/artifacts`) and a key's versions across runs (`GET /api/artifacts?key=`). */
import type { BatonClient } from '../../client/client';
import { ArtifactList, ArtifactsQuery, ArtifactVersions } from '../../core/schemas';
import { defineRoute } from '../route';
import { IdParam } from './params';

export function artifactRoutes(client: BatonClient) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/flow-runs/:id/artifacts',
      summary: "A flow run's artifacts (markdown, tables, links, images, progress), oldest first, as they are now",
      tag: 'artifacts',
      access: 'read',
      params: IdParam,
      response: ArtifactList,
      errors: [404, 503],
      handler: async ({ params }) => ({ artifacts: await client.artifacts.forFlowRun(params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/artifacts',
      summary: "A key's versions, latest first, across the latest runs that created it",
      tag: 'artifacts',
      access: 'read',
      query: ArtifactsQuery,
      response: ArtifactVersions,
      errors: [400, 503],
      handler: async ({ query }) => client.artifacts.versions(query.key, { runs: query.runs }),
    }),
  ];
}
