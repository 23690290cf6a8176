/**
 * The approvals page (`/approvals`): every pending approval, what it asks, a form generated from
 * its input schema, and approve / reject with a comment.
 */
import { APPROVAL_FORM_SCRIPT } from './approval-form-script';
import { uiPage } from './layout';

export const APPROVALS_PAGE = uiPage({
  title: 'approvals',
  section: 'approvals',
  main: '<h1>Approvals</h1><div id="list"><p class="empty">Loading…</p></div>',
  script:
    APPROVAL_FORM_SCRIPT +
    String.raw`
(function () {
  const { el, api, approvalCard, messageOf } = window.Baton;
  const list = document.getElementById('list');
  async function load() {
    const res = await api('GET', '/api/approvals?pageSize=200');
    list.replaceChildren();
    if (res.status === 401 || res.status === 403) {
      list.append(el('p', { class: 'empty error', text: 'Enter an API key above to see approvals.' }));
      return;
    }
    if (!res.ok) {
      list.append(el('p', { class: 'empty error', text: messageOf(res) }));
      return;
    }
    if (res.data.approvals.length === 0) {
      list.append(el('p', { class: 'empty', text: 'Nothing is waiting for you.' }));
      return;
    }
    for (const a of res.data.approvals) list.append(approvalCard(a));
  }
  Baton.onKey(load);
  load();
})();
`,
});
