/**
 * The variables page (`/ui/variables`, Prefect's variables): every variable with its JSON value,
 * tags and version; set one (create or replace: the form writes over the version it was filled
 * from, so a change made meanwhile is a 409, not lost), and delete one (at the version shown).
 * Reads and writes `/api/variables` with the user's key.
 */
import { APPROVAL_FORM_SCRIPT } from './approval-form-script';
import { uiPage } from './layout';

export const VARIABLES_PAGE = uiPage({
  title: 'variables',
  section: 'variables',
  main: String.raw`<h1>Variables</h1>
<form class="card" id="set">
  <h2>Set a variable</h2>
  <label>name</label><input type="text" name="name" placeholder="lowercase letters, digits, _ and -"><div class="field-error" data-field="name"></div>
  <label>value (JSON)</label><textarea name="value" rows="4" placeholder='{"model": "gpt-4o", "temperature": 0.2}'></textarea><div class="field-error" data-field="value"></div>
  <label>tags (comma-separated, or a JSON list)</label><input type="text" name="tags"><div class="field-error" data-field="tags"></div>
  <input type="hidden" name="ifVersion">
  <div class="actions"><button type="submit" class="primary">Save</button><button type="button" id="clear">Clear</button></div>
  <div class="status" role="status"></div>
</form>
<div class="card" style="padding:0"><table class="list" id="variables"><thead><tr><th>Name</th><th>Value</th><th>Tags</th><th>Version</th><th>Updated</th><th></th></tr></thead><tbody></tbody></table></div>`,
  script:
    APPROVAL_FORM_SCRIPT +
    String.raw`
(function () {
  const { el, api, time, json, showError, clearNotice, messageOf, showRefusal } = window.Baton;
  const body = document.querySelector('#variables tbody');
  const form = document.getElementById('set');
  const field = (n) => form.elements.namedItem(n);
  const status = form.querySelector('.status');
  const path = (name) => '/api/variables/' + encodeURIComponent(name);

  function clear() {
    for (const n of ['name', 'value', 'tags', 'ifVersion']) field(n).value = '';
    field('name').readOnly = false;
    for (const f of form.querySelectorAll('.field-error')) f.textContent = '';
  }

  function row(v) {
    const note = el('span', { class: 'meta', role: 'status' });
    const edit = el('button', { type: 'button', class: 'edit', text: 'Edit', on: { click: () => {
      clear();
      field('name').value = v.name;
      field('name').readOnly = true;
      field('value').value = JSON.stringify(v.value, null, 2);
      // A tag holding a comma is shown, and read back, as a JSON list.
      field('tags').value = v.tags.some((t) => t.includes(',')) ? JSON.stringify(v.tags) : v.tags.join(', ');
      field('ifVersion').value = String(v.version);
      status.className = 'status';
      status.textContent = 'Editing ' + v.name + ' at version ' + v.version;
      field('value').focus();
    } } });
    const remove = el('button', { type: 'button', class: 'danger delete', text: 'Delete', on: { click: async () => {
      if (remove.dataset.armed !== 'true') { remove.dataset.armed = 'true'; remove.textContent = 'Delete ' + v.name + '?'; return; }
      const res = await api('DELETE', path(v.name) + '?ifVersion=' + v.version);
      if (!res.ok) { note.className = 'meta error'; note.textContent = messageOf(res); return; }
      refresh();
    } } });
    return el('tr', { 'data-variable': v.name },
      el('td', { class: 'name' }, el('strong', { text: v.name })),
      el('td', { class: 'value' }, json(v.value)),
      el('td', {}, ...v.tags.map((t) => el('span', { class: 'chip', text: t }))),
      el('td', { class: 'version', text: String(v.version) }),
      el('td', { text: time(v.updatedAt) }),
      el('td', {}, el('div', { class: 'actions', style: 'margin:0' }, edit, remove), note));
  }

  async function refresh() {
    const res = await api('GET', '/api/variables');
    if (!res.ok) {
      showError(res);
      if (!body.children.length) body.replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'empty error', text: messageOf(res) })));
      return;
    }
    clearNotice();
    const rows = res.data.variables.map(row);
    body.replaceChildren(...rows);
    if (!rows.length) body.append(el('tr', {}, el('td', { colspan: '6', class: 'empty', text: 'No variables yet: set one above, or with baton variable set.' })));
    body.dataset.loaded = String(Date.now());
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const f of form.querySelectorAll('.field-error')) f.textContent = '';
    const name = field('name').value.trim();
    if (!name) { form.querySelector('[data-field=name]').textContent = 'a variable needs a name'; return; }
    let value;
    try { value = JSON.parse(field('value').value); } catch (err) {
      form.querySelector('[data-field=value]').textContent = 'must be JSON: ' + err.message;
      return;
    }
    const tagsText = field('tags').value.trim();
    let tags;
    if (tagsText.startsWith('[')) {
      try { tags = JSON.parse(tagsText); } catch (err) { form.querySelector('[data-field=tags]').textContent = 'a JSON list of tags, or tags separated by commas: ' + err.message; return; }
    } else tags = tagsText.split(',').map((t) => t.trim()).filter(Boolean);
    const ifVersion = field('ifVersion').value ? Number(field('ifVersion').value) : undefined;
    const res = await api('PUT', path(name), ifVersion ? { value, tags, ifVersion } : { value, tags, overwrite: false });
    if (!res.ok) return showRefusal(form, status, res, '');
    clear();
    status.className = 'status';
    status.textContent = 'Saved ' + res.data.name + ' (version ' + res.data.version + ')';
    refresh();
  });
  document.getElementById('clear').addEventListener('click', () => { clear(); status.textContent = ''; });
  Baton.onKey(refresh);
  refresh();
})();
`,
});
