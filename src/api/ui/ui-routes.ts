/**
 * Mounts the Baton UI on the API's app: static pages, each a client of the REST API with the
 * user's key, under a policy that lets them run their own inline script and call only this API.
 */
import type express from 'express';
import { noFraming } from '../site-guard';
import { APPROVALS_PAGE } from './approvals-page';
import { CONCURRENCY_PAGE } from './concurrency-page';
import { VARIABLES_PAGE } from './variables-page';
import { DEPLOYMENTS_PAGE } from './deployments-page';
import { UI_POLICY } from './layout';
import { RUN_PAGE } from './run-page';
import { RUNS_PAGE } from './runs-page';

/** Every UI path with its page; `/` and `/ui` land on the runs page. */
const PAGES: readonly { path: string; page?: string; redirect?: string }[] = [
  { path: '/', redirect: '/ui/runs' },
  { path: '/ui', redirect: '/ui/runs' },
  { path: '/ui/runs', page: RUNS_PAGE },
  { path: '/ui/runs/:id', page: RUN_PAGE },
  { path: '/ui/deployments', page: DEPLOYMENTS_PAGE },
  { path: '/approvals', page: APPROVALS_PAGE },
  { path: '/ui/concurrency', page: CONCURRENCY_PAGE },
  { path: '/ui/variables', page: VARIABLES_PAGE },
];

/** The UI's GET paths, for the API's 405 answers and its metrics' route labels. */
export const UI_PATHS = PAGES.map((p) => p.path);

export function mountUi(app: express.Express): void {
  for (const { path, page, redirect } of PAGES) {
    app.get(path, (_req, res) => {
      if (redirect) return res.redirect(302, redirect);
      noFraming(res, UI_POLICY);
      res.set('Cache-Control', 'no-cache');
      res.type('html').send(page);
    });
  }
}
