/**
 * The runs page (`/ui/runs`, Prefect's flow runs list): runs newest first with their Baton states,
 * filtered by state, flow, deployment, tag and run-name prefix (kept in the URL's query, so a
 * filtered list is a link), a page at a time (25, or the URL's `pageSize`) with the API's page
 * tokens, refreshed while visible.
 */
import { uiPage } from './layout';

/** How often the list is read again while the page is visible, in ms. */
export const RUNS_REFRESH_MS = 3_000;

export const RUNS_PAGE = uiPage({
  title: 'runs',
  section: 'runs',
  main: String.raw`<h1>Runs</h1>
<form class="filters" id="filters">
  <label>State<select name="state"><option value="">any</option></select></label>
  <label>Flow<select name="flow"><option value="">any</option></select></label>
  <label>Deployment<select name="deployment"><option value="">any</option></select></label>
  <label>Tag<input type="text" name="tag" placeholder="tag"></label>
  <label>Run name<input type="search" name="name" placeholder="starts with…"></label>
  <button type="button" id="clear">Clear</button>
</form>
<div class="card" style="padding:0"><table class="list" id="runs"><thead><tr><th>State</th><th>Run</th><th>Flow</th><th>Deployment</th><th>Tags</th><th>Started</th><th>Duration</th></tr></thead><tbody></tbody></table></div>
<div class="pager"><button type="button" id="prev">← Newer</button><button type="button" id="next">Older →</button><span class="meta" id="page-info"></span></div>`,
  script: String.raw`
(function () {
  const { el, api, badge, time, duration, runLink, showError, clearNotice, whileVisible, STATES } = window.Baton;
  const REFRESH_MS = ${RUNS_REFRESH_MS};
  const form = document.getElementById('filters');
  const body = document.querySelector('#runs tbody');
  const FILTERS = ['state', 'flow', 'deployment', 'tag', 'name'];
  // form.name would be the form's own name: fields are read through form.elements.
  const field = (f) => form.elements.namedItem(f);
  // Page tokens of the pages before the one shown (the first page has none).
  let tokens = [];
  let token;
  let next = null;

  for (const s of STATES) field('state').append(el('option', { value: s, text: s }));

  /** Makes sure a select offers the value (a filter from the URL may name what no list has yet). */
  function offer(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) select.append(el('option', { value, text: value }));
  }
  function fromUrl() {
    const q = new URLSearchParams(location.search);
    for (const f of FILTERS) { const v = q.get(f) || ''; if (field(f).tagName === 'SELECT') offer(field(f), v); field(f).value = v; }
  }
  // Runs a page: 25, or the URL's pageSize (1-500), which the URL keeps.
  const asked = Number(new URLSearchParams(location.search).get('pageSize'));
  const pageSize = Number.isInteger(asked) && asked >= 1 && asked <= 500 ? asked : 25;
  function query() {
    const q = new URLSearchParams();
    for (const f of FILTERS) if (field(f).value.trim()) q.set(f, field(f).value.trim());
    return q;
  }
  function filtersChanged() {
    const q = query();
    if (pageSize !== 25) q.set('pageSize', String(pageSize));
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
    tokens = [];
    token = undefined;
    load();
  }

  async function loadChoices() {
    const [flows, deployments] = await Promise.all([api('GET', '/api/flows'), api('GET', '/api/deployments?pageSize=500')]);
    if (flows.ok) for (const f of flows.data.flows) offer(field('flow'), f.name);
    if (deployments.ok) for (const d of deployments.data.deployments) offer(field('deployment'), d.name);
  }

  function row(r) {
    const tags = el('td');
    for (const t of r.tags) tags.append(el('button', { type: 'button', class: 'chip', 'data-tag': t, text: t, title: 'only runs tagged ' + t, on: { click: () => { field('tag').value = t; filtersChanged(); } } }));
    const state = el('td', {}, el('button', { type: 'button', class: 'chip', style: 'background:none;padding:0', title: 'only ' + r.state + ' runs', on: { click: () => { field('state').value = r.state; filtersChanged(); } } }, badge(r.state)));
    return el('tr', { 'data-run': r.id },
      state,
      el('td', { class: 'name' }, runLink(r.id, r.runName || r.id), el('div', { class: 'meta', text: r.id })),
      el('td', { text: r.flowName }),
      el('td', { text: r.deployment || '-' }),
      tags,
      el('td', { text: time(r.startTime) }),
      el('td', { text: r.startTime ? duration(r.startTime, r.endTime) : '-' }));
  }

  async function load() {
    const q = query();
    const filtered = q.toString() !== '';
    q.set('pageSize', String(pageSize));
    if (token) q.set('pageToken', token);
    const res = await api('GET', '/api/flow-runs?' + q);
    if (!res.ok) {
      showError(res);
      body.replaceChildren(el('tr', {}, el('td', { colspan: '7', class: 'empty error', text: Baton.messageOf(res) })));
      return;
    }
    clearNotice();
    next = res.data.nextPageToken;
    body.replaceChildren(...res.data.flowRuns.map(row));
    if (!res.data.flowRuns.length) body.append(el('tr', {}, el('td', { colspan: '7', class: 'empty', text: filtered ? 'No runs match these filters.' : 'No runs yet.' })));
    document.getElementById('prev').disabled = tokens.length === 0;
    document.getElementById('next').disabled = !next;
    document.getElementById('page-info').textContent = 'page ' + (tokens.length + 1) + ' · refreshed ' + new Date().toLocaleTimeString();
    body.dataset.loaded = String(Date.now());
  }

  form.addEventListener('change', (e) => { if (e.target.tagName === 'SELECT' || e.target.name === 'tag') filtersChanged(); });
  let typing;
  field('name').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(filtersChanged, 300); });
  form.addEventListener('submit', (e) => { e.preventDefault(); filtersChanged(); });
  document.getElementById('clear').addEventListener('click', () => { for (const f of FILTERS) field(f).value = ''; filtersChanged(); });
  document.getElementById('next').addEventListener('click', () => { if (!next) return; tokens.push(token); token = next; load(); });
  document.getElementById('prev').addEventListener('click', () => { if (!tokens.length) return; token = tokens.pop(); load(); });
  Baton.onKey(() => { loadChoices(); load(); });

  fromUrl();
  loadChoices();
  whileVisible(load, REFRESH_MS);
})();
`,
});
