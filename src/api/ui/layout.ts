/**
 * The Baton UI's one shell: style, navigation and the API key field, shared by every page. Pages
 * are static: the server renders no data into them; each page's script reads Baton's REST API
 * with the key the user typed (kept in sessionStorage, as the approvals page always did).
 */
import { CLIENT_SCRIPT } from './client-script';

/** The Content-Security-Policy of every UI page: its own inline script and style, calls to its own API only. */
export const UI_POLICY = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";

export type UiSection = 'runs' | 'deployments' | 'approvals' | 'concurrency' | 'variables';

export interface UiPage {
  /** The document title after "Baton ". */
  title: string;
  /** The navigation entry shown as current. */
  section: UiSection;
  /** Static markup of the page's main area (no data: the script fills it). */
  main: string;
  /** The page's script, run after the shared helpers (window.Baton). */
  script: string;
}

const STYLE = String.raw`
  :root { --ink: #1d2330; --muted: #5b6475; --line: #e2e5ea; --bg: #f5f6f8; --accent: #2b59c3; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; background: var(--bg); color: var(--ink); }
  header.top { background: var(--ink); color: #fff; padding: 10px 24px; display: flex; gap: 20px; align-items: center; flex-wrap: wrap; }
  header.top .brand { font-weight: 700; font-size: 17px; }
  header.top nav { display: flex; gap: 4px; flex: 1; }
  header.top nav a { color: #c9d1e3; text-decoration: none; padding: 6px 10px; border-radius: 4px; }
  header.top nav a[aria-current=page] { background: #39425a; color: #fff; }
  header.top input { padding: 6px 8px; border-radius: 4px; border: 0; width: 240px; }
  main { max-width: 1180px; margin: 20px auto; padding: 0 16px; }
  h1 { font-size: 20px; margin: 4px 0 12px; word-break: break-word; }
  h2 { font-size: 16px; margin: 0 0 8px; }
  a { color: var(--accent); }
  .card { background: #fff; border-radius: 8px; padding: 14px 18px; margin-bottom: 14px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  .meta { color: var(--muted); font-size: 13px; }
  .asks { font-size: 16px; margin: 8px 0 12px; }
  .grid { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
  .grid dt { color: var(--muted); } .grid dd { margin: 0; word-break: break-word; }
  table.list { width: 100%; border-collapse: collapse; background: #fff; }
  table.list th, table.list td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
  table.list th { font-size: 12px; text-transform: uppercase; color: var(--muted); font-weight: 600; }
  table.list td.name { word-break: break-word; max-width: 360px; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: #8a93a6; white-space: nowrap; }
  .badge.Completed, .badge.Cached { background: #1f7a4d; }
  .badge.Running, .badge.Retrying { background: #2b59c3; }
  .badge.Pending, .badge.Scheduled { background: #8a93a6; }
  .badge.Paused, .badge.AwaitingApproval { background: #b7791f; }
  .badge.Failed, .badge.Crashed, .badge.TimedOut { background: #b42318; }
  .badge.Cancelled, .badge.Cancelling { background: #5b6475; }
  .badge.paused { background: #b7791f; } .badge.active { background: #1f7a4d; }
  .chip { display: inline-block; padding: 0 7px; margin: 1px 3px 1px 0; border-radius: 9px; background: #e4e7ec; font-size: 12px; border: 0; cursor: pointer; }
  form.filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; margin-bottom: 12px; }
  form.filters label { font-size: 12px; color: var(--muted); display: flex; flex-direction: column; gap: 2px; margin: 0; font-weight: normal; }
  label { display: block; margin: 8px 0 2px; font-weight: 600; font-size: 13px; }
  label .req { color: #b42318; }
  input[type=text], input[type=search], input[type=number], select, textarea { box-sizing: border-box; padding: 6px 8px; border: 1px solid #c9ced8; border-radius: 4px; font: inherit; background: #fff; }
  .card input[type=text], .card input[type=number], .card select, .card textarea { width: 100%; }
  .field-error { color: #b42318; font-size: 13px; min-height: 1em; }
  .actions { margin-top: 10px; display: flex; gap: 8px; flex-wrap: wrap; }
  button { padding: 6px 14px; border-radius: 4px; border: 0; font: inherit; cursor: pointer; background: #e4e7ec; color: var(--ink); }
  button.primary, button.approve { background: #1f7a4d; color: #fff; }
  button.danger { background: #b42318; color: #fff; }
  button:disabled { opacity: .5; cursor: default; }
  .status { margin-top: 8px; font-weight: 600; }
  .empty { color: var(--muted); text-align: center; padding: 30px; }
  .error { color: #b42318; }
  .notice { padding: 10px 14px; border-radius: 6px; background: #fdecea; color: #b42318; margin-bottom: 12px; }
  .pager { display: flex; gap: 8px; align-items: center; margin-top: 10px; }
  pre { background: #f0f2f5; padding: 8px 10px; border-radius: 4px; overflow: auto; max-height: 320px; margin: 4px 0; white-space: pre-wrap; word-break: break-word; }
  .bar { height: 14px; background: #e4e7ec; border-radius: 7px; overflow: hidden; }
  .bar > div { height: 100%; background: #2b59c3; transition: width .3s; }
  .artifact .markdown table { border-collapse: collapse; } .artifact .markdown td, .artifact .markdown th { border: 1px solid var(--line); padding: 3px 8px; }
  ol.stream, ol.logs { list-style: none; padding: 0; margin: 0; font: 12px/1.5 ui-monospace, monospace; max-height: 360px; overflow: auto; }
  ol.stream li, ol.logs li { padding: 2px 4px; border-bottom: 1px solid #f0f2f5; word-break: break-word; }
  ol.logs li.warn { background: #fff8e6; } ol.logs li.error, ol.logs li.fatal { background: #fdecea; }
  .two { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; } @media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
`;

/** A UI page's whole document. */
export function uiPage({ title, section, main, script }: UiPage): string {
  const link = (href: string, name: string, s: UiSection) => `<a href="${href}"${s === section ? ' aria-current="page"' : ''}>${name}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton ${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top">
  <span class="brand">Baton</span>
  <nav>${link('/ui/runs', 'Runs', 'runs')}${link('/ui/deployments', 'Deployments', 'deployments')}${link('/approvals', 'Approvals', 'approvals')}${link('/ui/concurrency', 'Concurrency', 'concurrency')}${link('/ui/variables', 'Variables', 'variables')}<a href="/api/docs">API</a></nav>
  <input id="api-key" type="password" placeholder="API key (if the API needs one)" autocomplete="off">
  <button id="refresh" type="button">Refresh</button>
</header>
<main>
<div id="notice" class="notice" role="alert" hidden></div>
${main}
</main>
<script>${CLIENT_SCRIPT}</script>
<script>${script}</script>
</body>
</html>`;
}
