/**
 * The deployments page (`/ui/deployments`, Prefect's deployments list): each deployment with its
 * schedules, paused or not, next runs and its last three runs (from the runs list, so runs started
 * by hand count too); "Run" with a form made from its flow's parameter
 * schema (prefilled with the deployment's defaults), and pause / resume.
 */
import { APPROVAL_FORM_SCRIPT } from './approval-form-script';
import { uiPage } from './layout';

/** How often the list is read again while the page is visible, in ms. */
export const DEPLOYMENTS_REFRESH_MS = 5_000;

export const DEPLOYMENTS_PAGE = uiPage({
  title: 'deployments',
  section: 'deployments',
  main: '<h1>Deployments</h1><div id="list"><p class="empty">Loading…</p></div><div class="pager"><button type="button" id="more" hidden>More</button></div>',
  script:
    APPROVAL_FORM_SCRIPT +
    String.raw`
(function () {
  const LAST_RUNS = 3;
  const { el, api, badge, time, runLink, showError, clearNotice, messageOf, whileVisible, schemaFields, showRefusal } = window.Baton;
  const list = document.getElementById('list');
  const more = document.getElementById('more');
  const cards = new Map();
  let flows = new Map();
  let pages = 1;

  function scheduleText(s) {
    if (s.cron) return 'cron ' + s.cron + (s.timezone ? ' (' + s.timezone + ')' : ' (UTC)');
    const every = s.intervalSeconds;
    const text = every % 86400 === 0 ? every / 86400 + ' d' : every % 3600 === 0 ? every / 3600 + ' h' : every % 60 === 0 ? every / 60 + ' min' : every + ' s';
    return 'every ' + text + (s.offsetSeconds ? ' (offset ' + s.offsetSeconds + ' s)' : '');
  }

  /** Fields for the parameters: one per property when the schema is simple, else one JSON box. */
  function parametersForm(d) {
    const schema = (flows.get(d.flow) || {}).parameters;
    const props = schema && schema.properties;
    const simple = props && Object.values(props).every((p) => ['string', 'number', 'integer', 'boolean'].includes(Array.isArray(p.type) ? p.type.find((t) => t !== 'null') : p.type) || Array.isArray(p.enum));
    if (simple) {
      const withDefaults = { ...schema, properties: Object.fromEntries(Object.entries(props).map(([k, p]) => [k, d.parameters[k] !== undefined ? { ...p, default: d.parameters[k] } : p])) };
      return schemaFields(withDefaults, 'parameters.');
    }
    const box = el('textarea', { name: 'parameters', rows: '5', text: JSON.stringify(d.parameters, null, 2) });
    return {
      nodes: [el('label', { text: 'parameters (JSON)' }), box, el('div', { class: 'field-error', 'data-field': 'parameters' })],
      read() { try { return box.value.trim() ? JSON.parse(box.value) : {}; } catch { return box.value; } },
    };
  }

  function runForm(d, card) {
    const form = el('form', { class: 'run-form' });
    const fields = parametersForm(d);
    const runName = el('input', { type: 'text', name: 'runName', placeholder: 'run name (optional)' });
    const status = el('div', { class: 'status', role: 'status' });
    form.append(...fields.nodes, el('label', { text: 'run name' }), runName, el('div', { class: 'field-error', 'data-field': 'runName' }),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', text: 'Start run' }), el('button', { type: 'button', text: 'Close', on: { click: () => form.remove() } })), status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      for (const f of form.querySelectorAll('.field-error')) f.textContent = '';
      const parameters = fields.read();
      if (typeof parameters === 'string') { status.className = 'status error'; status.textContent = 'parameters must be JSON'; return; }
      status.className = 'status';
      status.textContent = 'Starting…';
      const res = await api('POST', '/api/deployments/' + encodeURIComponent(d.name) + '/runs', runName.value ? { parameters, runName: runName.value } : { parameters });
      if (!res.ok) { showRefusal(form, status, res, 'parameters.'); return; }
      status.textContent = 'Started ';
      status.append(runLink(res.data.id, res.data.runName || res.data.id));
      status.dataset.run = res.data.id;
      refresh();
    });
    return form;
  }

  function render(d, runs) {
    const card = cards.get(d.name) || el('section', { class: 'card deployment', 'data-deployment': d.name });
    cards.set(d.name, card);
    const head = el('div', { class: 'head' },
      el('h2', {}, el('span', { text: d.name }), ' ', el('span', { class: 'badge ' + (d.paused ? 'paused' : 'active'), 'data-paused': String(d.paused), text: d.paused ? 'paused' : 'active' })),
      el('div', { class: 'meta', text: 'flow ' + d.flow + (d.version ? ' · version ' + d.version : '') + ' · task queue ' + d.taskQueue + (d.tags.length ? ' · tags ' + d.tags.join(', ') : '') }),
      d.description ? el('p', { text: d.description }) : undefined);
    const facts = el('dl', { class: 'grid' },
      el('dt', { text: 'schedules' }), el('dd', { class: 'schedules', text: d.schedules.length ? d.schedules.map(scheduleText).join('; ') : 'none (runs when asked)' }),
      el('dt', { text: 'next runs' }), el('dd', { class: 'next-runs', text: d.paused ? 'none while paused' : d.nextRunTimes.length ? d.nextRunTimes.slice(0, 3).map(time).join(', ') : '-' }),
      el('dt', { text: 'last runs' }), el('dd', { class: 'last-runs' }, ...(runs.length ? runs.flatMap((r, i) => [i ? ' ' : '', badge(r.state), ' ', runLink(r.id, r.runName || r.id), el('span', { class: 'meta', text: ' ' + time(r.startTime) })]) : ['-'])),
      el('dt', { text: 'all runs' }), el('dd', {}, el('a', { href: '/ui/runs?deployment=' + encodeURIComponent(d.name), text: 'runs of ' + d.name })));
    const status = el('span', { class: 'meta', role: 'status' });
    const toggle = el('button', { type: 'button', class: 'toggle', text: d.paused ? 'Resume' : 'Pause', on: { click: async () => {
      toggle.disabled = true;
      const res = await api('POST', '/api/deployments/' + encodeURIComponent(d.name) + (d.paused ? '/resume' : '/pause'), {});
      toggle.disabled = false;
      if (!res.ok) { status.className = 'meta error'; status.textContent = messageOf(res); return; }
      status.className = 'meta';
      status.textContent = '';
      render(res.data.name ? res.data : { ...d, paused: !d.paused }, runs);
      refresh();
    } } });
    const run = el('button', { type: 'button', class: 'primary run', text: 'Run…', on: { click: () => { if (!card.querySelector('form.run-form')) card.append(runForm(d, card)); } } });
    const form = card.querySelector('form.run-form');
    card.replaceChildren(head, facts, el('div', { class: 'actions' }, run, toggle, status), ...(form ? [form] : []));
    return card;
  }

  async function refresh() {
    const [res, flowList] = await Promise.all([api('GET', '/api/deployments?pageSize=' + 50 * pages), flows.size ? undefined : api('GET', '/api/flows')]);
    if (flowList && flowList.ok) flows = new Map(flowList.data.flows.map((f) => [f.name, f]));
    if (!res.ok) {
      showError(res);
      if (!cards.size) list.replaceChildren(el('p', { class: 'empty error', text: messageOf(res) }));
      return;
    }
    clearNotice();
    // Each deployment's last runs, newest first, from the runs list (its schedule knows only the runs it started).
    const lastRuns = await Promise.all(res.data.deployments.map((d) => api('GET', '/api/flow-runs?pageSize=' + LAST_RUNS + '&deployment=' + encodeURIComponent(d.name))));
    const shown = res.data.deployments.map((d, i) => render(d, lastRuns[i].ok ? lastRuns[i].data.flowRuns : []));
    list.replaceChildren(...shown);
    for (const name of [...cards.keys()]) if (!res.data.deployments.some((d) => d.name === name)) cards.delete(name);
    if (!shown.length) list.append(el('p', { class: 'empty', text: 'No deployments yet: POST /api/deployments or baton deploy creates one.' }));
    more.hidden = !res.data.nextPageToken;
    list.dataset.loaded = String(Date.now());
  }
  more.addEventListener('click', () => { pages++; refresh(); });
  Baton.onKey(() => { flows = new Map(); refresh(); });
  whileVisible(refresh, ${DEPLOYMENTS_REFRESH_MS});
})();
`,
});
