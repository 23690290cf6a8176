/**
 * The approval form, shared by the approvals page and a run's page: what the run asks, one field
 * per property of its input schema, a comment, approve / reject, and the API's field errors shown
 * next to their fields. Defines `Baton.approvalCard(approval, onDecided)`.
 */
export const APPROVAL_FORM_SCRIPT = String.raw`
(function () {
  const { el, api, messageOf } = window.Baton;

  /** One input per property of the schema; returns a reader of the typed value. */
  function fieldFor(name, schema, required, prefix) {
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
      if (schema.default !== undefined) input.value = JSON.stringify(schema.default);
      read = () => (input.value === '' ? undefined : JSON.parse(input.value));
    } else if (type === 'boolean') {
      input = el('input', { id, name, type: 'checkbox' });
      input.checked = schema.default === true;
      read = () => input.checked;
    } else if (type === 'number' || type === 'integer') {
      input = el('input', { id, name, type: 'number', step: type === 'integer' ? '1' : 'any' });
      if (typeof schema.default === 'number') input.value = String(schema.default);
      read = () => (input.value === '' ? undefined : Number(input.value));
    } else if (type === 'string' && !schema.format) {
      input = el('input', { id, name, type: 'text' });
      if (typeof schema.default === 'string') input.value = schema.default;
      read = () => (input.value === '' ? undefined : input.value);
    } else {
      input = el('textarea', { id, name, rows: '3', placeholder: 'JSON' });
      if (schema.default !== undefined) input.value = JSON.stringify(schema.default);
      read = () => {
        if (input.value.trim() === '') return undefined;
        try { return JSON.parse(input.value); } catch { return input.value; }
      };
    }
    const error = el('div', { class: 'field-error', 'data-field': prefix + name });
    return { node: el('div', {}, label, input, error), read, name, input };
  }

  /** Fields for an object schema's properties; read() gives the object of the values set. */
  function schemaFields(schema, prefix) {
    const props = (schema && schema.properties) || {};
    const required = (schema && schema.required) || [];
    const fields = Object.entries(props).map(([name, s]) => fieldFor(name, s, required.includes(name), prefix));
    return {
      nodes: fields.map((f) => f.node),
      fields,
      read() { const value = {}; for (const f of fields) { const v = f.read(); if (v !== undefined) value[f.name] = v; } return value; },
    };
  }

  /** Shows an API refusal in status and each field error next to its field (its path, or prefix + its path). */
  function showRefusal(form, status, res, prefix) {
    status.className = 'status error';
    status.textContent = messageOf(res);
    const details = res.data.error && Array.isArray(res.data.error.details) ? res.data.error.details : [];
    for (const d of details) {
      const find = (path) => form.querySelector('[data-field="' + CSS.escape(path) + '"]');
      const slot = find(String(d.path)) || (prefix ? find(prefix + d.path) : null);
      if (slot) slot.textContent = d.message;
    }
  }

  function approvalCard(a, onDecided) {
    const card = el('section', { class: 'card approval', 'data-run': a.flowRunId, 'data-key': a.key });
    const runName = a.runName || a.flowRunId;
    card.append(el('div', { class: 'meta' }, el('span', { text: a.flowName + ' · ' }), el('a', { href: '/ui/runs/' + encodeURIComponent(a.flowRunId), text: runName }),
      el('span', { text: ' · ' + a.key + ' · waiting since ' + new Date(a.since).toLocaleString() + (a.deadline ? ' · until ' + new Date(a.deadline).toLocaleString() : '') }),
      a.webUrl && Baton.safeUrl(a.webUrl) ? el('span', { text: ' · ' }) : undefined,
      a.webUrl && Baton.safeUrl(a.webUrl) ? el('a', { href: Baton.safeUrl(a.webUrl), target: '_blank', rel: 'noopener', text: 'history' }) : undefined));
    card.append(el('div', { class: 'asks', text: a.description || 'Approve ' + a.key + '?' }));
    const form = el('form');
    const input = schemaFields(a.inputSchema, 'input.');
    form.append(...input.nodes);
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
      if (decision === 'approve' && a.inputSchema) body.input = input.read();
      const res = await api('POST', '/api/flow-runs/' + encodeURIComponent(a.flowRunId) + '/approvals/' + encodeURIComponent(a.key), body);
      if (res.status === 200) {
        status.textContent = (res.data.decision === 'approve' ? 'Approved' : 'Rejected') + ' by ' + res.data.decidedBy;
        approve.disabled = true;
        reject.disabled = true;
        card.dataset.decided = res.data.decision;
        if (onDecided) onDecided(res.data);
        return;
      }
      showRefusal(form, status, res);
    }
    form.addEventListener('submit', (e) => { e.preventDefault(); decide('approve'); });
    reject.addEventListener('click', () => decide('reject'));
    card.append(form);
    return card;
  }

  Object.assign(window.Baton, { approvalCard, schemaFields, showRefusal });
})();
`;
