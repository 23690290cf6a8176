/**
 * The approvals page (`/approvals`): every pending approval, what it asks, a form generated from
 * its input schema, and approve / reject with a comment. Plain HTML and a little script over the
 * same API and the same API keys; the server renders no data into it.
 */
export const APPROVALS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton approvals</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: 14px 24px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 18px; margin: 0; flex: 1; }
  header input { padding: 6px 8px; border-radius: 4px; border: 0; width: 260px; }
  main { max-width: 860px; margin: 24px auto; padding: 0 16px; }
  .card { background: #fff; border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  .meta { color: #5b6475; font-size: 13px; }
  .asks { font-size: 16px; margin: 8px 0 12px; }
  label { display: block; margin: 8px 0 2px; font-weight: 600; font-size: 13px; }
  label .req { color: #b42318; }
  input[type=text], input[type=number], select, textarea { width: 100%; box-sizing: border-box; padding: 6px 8px; border: 1px solid #c9ced8; border-radius: 4px; font: inherit; }
  .field-error { color: #b42318; font-size: 13px; min-height: 1em; }
  .actions { margin-top: 12px; display: flex; gap: 8px; }
  button { padding: 7px 16px; border-radius: 4px; border: 0; font: inherit; cursor: pointer; }
  button.approve { background: #1f7a4d; color: #fff; }
  button.reject { background: #e4e7ec; color: #1d2330; }
  .status { margin-top: 8px; font-weight: 600; }
  .empty { color: #5b6475; text-align: center; padding: 40px; }
  .error { color: #b42318; }
</style>
</head>
<body>
<header>
  <h1>Baton · approvals</h1>
  <input id="api-key" type="password" placeholder="API key (if the API needs one)" autocomplete="off">
  <button id="refresh" type="button">Refresh</button>
</header>
<main id="list"><p class="empty">Loading…</p></main>
<script>
(function () {
  const list = document.getElementById('list');
  const keyInput = document.getElementById('api-key');
  keyInput.value = sessionStorage.getItem('batonApiKey') || '';
  keyInput.addEventListener('change', () => { sessionStorage.setItem('batonApiKey', keyInput.value); load(); });
  document.getElementById('refresh').addEventListener('click', load);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v; else if (v !== undefined && v !== null) node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (keyInput.value) headers.authorization = 'Bearer ' + keyInput.value;
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json().catch(() => ({}));
    return { status: res.status, data };
  }

  /** One input per property of the schema; returns a reader of the typed value. */
  function fieldFor(name, schema, required) {
    const id = 'f-' + Math.random().toString(36).slice(2);
    const label = el('label', { for: id, text: name + ' ' });
    if (required) label.append(el('span', { class: 'req', text: '*' }));
    if (schema.description) label.append(el('span', { class: 'meta', text: ' ' + schema.description }));
    let input;
    let read;
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
    if (Array.isArray(schema.enum)) {
      input = el('select', { id, name });
      if (!required) input.append(el('option', { value: '', text: '' }));
      for (const v of schema.enum) input.append(el('option', { value: JSON.stringify(v), text: String(v) }));
      read = () => (input.value === '' ? undefined : JSON.parse(input.value));
    } else if (type === 'boolean') {
      input = el('input', { id, name, type: 'checkbox' });
      read = () => input.checked;
    } else if (type === 'number' || type === 'integer') {
      input = el('input', { id, name, type: 'number', step: type === 'integer' ? '1' : 'any' });
      read = () => (input.value === '' ? undefined : Number(input.value));
    } else if (type === 'string') {
      input = el('input', { id, name, type: 'text' });
      read = () => (input.value === '' ? undefined : input.value);
    } else {
      input = el('textarea', { id, name, rows: '3', placeholder: 'JSON' });
      read = () => {
        if (input.value.trim() === '') return undefined;
        try { return JSON.parse(input.value); } catch { return input.value; }
      };
    }
    const error = el('div', { class: 'field-error', 'data-field': 'input.' + name });
    return { node: el('div', {}, label, input, error), read, name };
  }

  function render(a) {
    const card = el('section', { class: 'card', 'data-run': a.flowRunId, 'data-key': a.key });
    const runLink = a.webUrl ? el('a', { href: a.webUrl, target: '_blank', text: a.runName || a.flowRunId }) : el('span', { text: a.runName || a.flowRunId });
    card.append(el('div', { class: 'meta' }, el('span', { text: a.flowName + ' · ' }), runLink, el('span', { text: ' · ' + a.key + ' · waiting since ' + new Date(a.since).toLocaleString() + (a.deadline ? ' · until ' + new Date(a.deadline).toLocaleString() : '') })));
    card.append(el('div', { class: 'asks', text: a.description || 'Approve ' + a.key + '?' }));
    const form = el('form');
    const fields = [];
    const props = (a.inputSchema && a.inputSchema.properties) || {};
    const required = (a.inputSchema && a.inputSchema.required) || [];
    for (const [name, schema] of Object.entries(props)) {
      const f = fieldFor(name, schema, required.includes(name));
      fields.push(f);
      form.append(f.node);
    }
    const comment = el('textarea', { name: 'comment', rows: '2', placeholder: 'Comment (optional)' });
    form.append(el('label', { text: 'comment' }), comment);
    const status = el('div', { class: 'status', role: 'status' });
    const approve = el('button', { type: 'submit', class: 'approve', text: 'Approve' });
    const reject = el('button', { type: 'button', class: 'reject', text: 'Reject' });
    form.append(el('div', { class: 'actions' }, approve, reject), status);
    async function decide(decision) {
      for (const e of form.querySelectorAll('.field-error')) e.textContent = '';
      status.textContent = 'Sending…';
      status.className = 'status';
      const body = { decision };
      if (comment.value) body.comment = comment.value;
      if (decision === 'approve' && a.inputSchema) {
        const input = {};
        for (const f of fields) { const v = f.read(); if (v !== undefined) input[f.name] = v; }
        body.input = input;
      }
      const res = await api('POST', '/api/flow-runs/' + encodeURIComponent(a.flowRunId) + '/approvals/' + encodeURIComponent(a.key), body);
      if (res.status === 200) {
        status.textContent = (res.data.decision === 'approve' ? 'Approved' : 'Rejected') + ' by ' + res.data.decidedBy;
        approve.disabled = true;
        reject.disabled = true;
        return;
      }
      status.className = 'status error';
      status.textContent = (res.data.error && res.data.error.message) || 'Failed (' + res.status + ')';
      for (const d of (res.data.error && res.data.error.details) || []) {
        const slot = form.querySelector('[data-field="' + CSS.escape(d.path) + '"]');
        if (slot) slot.textContent = d.message;
      }
    }
    form.addEventListener('submit', (e) => { e.preventDefault(); decide('approve'); });
    reject.addEventListener('click', () => decide('reject'));
    card.append(form);
    return card;
  }

  async function load() {
    const res = await api('GET', '/api/approvals?pageSize=200');
    list.replaceChildren();
    if (res.status === 401 || res.status === 403) {
      list.append(el('p', { class: 'empty error', text: 'Enter an API key above to see approvals.' }));
      return;
    }
    if (res.status !== 200) {
      list.append(el('p', { class: 'empty error', text: (res.data.error && res.data.error.message) || 'Could not load approvals' }));
      return;
    }
    if (res.data.approvals.length === 0) {
      list.append(el('p', { class: 'empty', text: 'Nothing is waiting for you.' }));
      return;
    }
    for (const a of res.data.approvals) list.append(render(a));
  }
  load();
})();
</script>
</body>
</html>`;
