/**
 * The concurrency page (`/ui/concurrency`, Prefect's global concurrency limits): every limit with
 * its slots in use, slot decay, who holds slots (links to their runs) and who waits, in the order
 * they will be served; create a limit, change its slots, turn it off and on, delete it. Reads
 * `/api/concurrency-limits` with the user's key, again every few seconds while visible.
 */
import { APPROVAL_FORM_SCRIPT } from './approval-form-script';
import { uiPage } from './layout';

/** How often the list is read again while the page is visible, in ms. */
export const CONCURRENCY_REFRESH_MS = 3_000;

export const CONCURRENCY_PAGE = uiPage({
  title: 'concurrency limits',
  section: 'concurrency',
  main: String.raw`<h1>Concurrency limits</h1>
<form class="card" id="create">
  <h2>New limit</h2>
  <div class="two">
    <div><label>name</label><input type="text" name="name" placeholder="llm-api, tag:llm, per-customer"><div class="field-error" data-field="name"></div></div>
    <div><label>slots</label><input type="number" name="slots" min="1" value="1"><div class="field-error" data-field="slots"></div></div>
  </div>
  <label>slots back per second once released (0: at once; set it for a rate limit)</label><input type="number" name="slotDecayPerSecond" min="0" step="any" value="0"><div class="field-error" data-field="slotDecayPerSecond"></div>
  <div class="actions"><button type="submit" class="primary">Create</button></div>
  <div class="status" role="status"></div>
</form>
<div class="card" style="padding:0"><table class="list" id="limits"><thead><tr><th>Limit</th><th>In use</th><th>Decay</th><th>Holders</th><th>Waiting</th><th></th></tr></thead><tbody></tbody></table></div>`,
  script:
    APPROVAL_FORM_SCRIPT +
    String.raw`
(function () {
  const { el, api, runLink, showError, clearNotice, messageOf, whileVisible, showRefusal } = window.Baton;
  const body = document.querySelector('#limits tbody');
  const create = document.getElementById('create');
  const path = (name) => '/api/concurrency-limits/' + encodeURIComponent(name);
  // Limits whose Delete was clicked once.
  const armed = new Set();

  function party(p) {
    return el('li', {}, runLink(p.party.flowRunId, p.party.flowRunId), el('span', { class: 'meta', text: ' ' + p.party.kind + (p.party.taskName ? ' ' + p.party.taskName : '') + (p.slots > 1 ? ' · ' + p.slots + ' slots' : '') }));
  }

  function row(l) {
    const status = el('span', { class: 'meta', role: 'status' });
    const failed = (res) => { status.className = 'meta error'; status.textContent = messageOf(res); };
    const slots = el('input', { type: 'number', name: 'slots', min: '1', value: String(l.slots), style: 'width:70px' });
    const save = el('button', { type: 'button', class: 'save', text: 'Set slots', on: { click: async () => {
      // The row's input as it is now (a refresh may have moved the one being typed into this row).
      const typed = save.closest('tr').querySelector('input[name=slots]');
      const res = await api('PATCH', path(l.name), { slots: Number(typed.value) });
      if (!res.ok) return failed(res);
      refresh();
    } } });
    const toggle = el('button', { type: 'button', class: 'toggle', text: l.active ? 'Turn off' : 'Turn on', on: { click: async () => {
      const res = await api('PATCH', path(l.name), { active: !l.active });
      if (!res.ok) return failed(res);
      refresh();
    } } });
    // Two clicks: the first asks (and the question outlives a refresh), the second deletes.
    const ask = () => { remove.dataset.armed = 'true'; remove.textContent = 'Delete ' + l.name + '?'; };
    const remove = el('button', { type: 'button', class: 'danger delete', text: 'Delete', on: { click: async () => {
      if (!armed.has(l.name)) { armed.add(l.name); ask(); return; }
      armed.delete(l.name);
      const res = await api('DELETE', path(l.name));
      if (!res.ok) return failed(res);
      refresh();
    } } });
    if (armed.has(l.name)) ask();
    const occupied = Math.min(l.occupied, l.slots);
    return el('tr', { 'data-limit': l.name },
      el('td', { class: 'name' }, el('strong', { text: l.name }), ' ', el('span', { class: 'badge ' + (l.active ? 'active' : 'paused'), 'data-active': String(l.active), text: l.active ? 'active' : 'off' }),
        l.live ? undefined : el('div', { class: 'meta', text: 'no worker answered for this limit: holders and waiters unknown' })),
      el('td', { class: 'in-use' }, el('div', { text: l.occupied + ' / ' + l.slots }), el('div', { class: 'bar', title: l.occupied + ' of ' + l.slots + ' slots' }, el('div', { style: 'width:' + Math.round((100 * occupied) / l.slots) + '%' })),
        el('div', { class: 'meta', text: l.granted + ' granted' })),
      el('td', { text: l.slotDecayPerSecond ? l.slotDecayPerSecond + ' / s' : '-' }),
      el('td', {}, l.holders.length ? el('ol', { class: 'holders' }, ...l.holders.map(party)) : '-'),
      el('td', {}, l.waiters.length ? el('ol', { class: 'waiters' }, ...l.waiters.map(party)) : '-'),
      el('td', {}, el('div', { class: 'actions', style: 'margin:0' }, slots, save, toggle, remove), status));
  }

  async function refresh() {
    const res = await api('GET', '/api/concurrency-limits');
    if (!res.ok) {
      showError(res);
      if (!body.children.length) body.replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'empty error', text: messageOf(res) })));
      return;
    }
    clearNotice();
    // A row being edited keeps the value typed into it.
    const typed = new Map([...body.querySelectorAll('tr[data-limit]')].map((r) => [r.dataset.limit, r.querySelector('input[name=slots]')]).filter(([, i]) => i === document.activeElement));
    const rows = res.data.limits.map((l) => {
      const r = row(l);
      const input = typed.get(l.name);
      if (input) r.querySelector('input[name=slots]').replaceWith(input);
      return r;
    });
    body.replaceChildren(...rows);
    if (!rows.length) body.append(el('tr', {}, el('td', { colspan: '6', class: 'empty', text: 'No concurrency limits yet: create one above, or with baton concurrency-limit create.' })));
    body.dataset.loaded = String(Date.now());
  }

  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = create.querySelector('.status');
    for (const f of create.querySelectorAll('.field-error')) f.textContent = '';
    const value = (n) => create.elements.namedItem(n).value;
    const res = await api('POST', '/api/concurrency-limits', { name: value('name').trim(), slots: Number(value('slots')), slotDecayPerSecond: Number(value('slotDecayPerSecond') || 0) });
    if (!res.ok) return showRefusal(create, status, res, '');
    status.className = 'status';
    status.textContent = 'Created ' + res.data.name;
    create.elements.namedItem('name').value = '';
    refresh();
  });
  Baton.onKey(refresh);
  whileVisible(refresh, ${CONCURRENCY_REFRESH_MS});
})();
`,
});
