/**
 * A run's page (`/ui/runs/:id`, Prefect's flow run page): its state, parameters, result or error
 * and times; its task runs; its stream and its log lines as they arrive (Server-Sent Events read
 * with the key); its artifacts, progress as a bar that moves; what it waits for, with the approval
 * form; cancel and retry; and a link to its history in the Temporal Web UI.
 */
import { APPROVAL_FORM_SCRIPT } from './approval-form-script';
import { uiPage } from './layout';

/** How often a run that has not ended is read again while the page is visible, in ms. */
export const RUN_REFRESH_MS = 1_000;

export const RUN_PAGE = uiPage({
  title: 'run',
  section: 'runs',
  main: String.raw`<p class="meta"><a href="/ui/runs">← Runs</a></p>
<section class="card" id="header"><p class="empty">Loading…</p></section>
<p class="meta" id="action-status" role="status"></p>
<div id="approvals"></div>
<section class="card"><h2>Task runs</h2><table class="list" id="task-runs"><thead><tr><th>State</th><th>Task run</th><th>Kind</th><th>Attempts</th><th>Started</th><th>Duration</th><th>Error</th></tr></thead><tbody></tbody></table></section>
<section class="card"><h2>Artifacts</h2><div id="artifacts"><p class="meta">None yet.</p></div></section>
<div class="two">
  <section class="card"><h2>Stream <span class="meta" id="stream-state"></span></h2><ol class="stream" id="stream"></ol></section>
  <section class="card"><h2>Logs <label class="meta" style="display:inline;font-weight:normal">level <select id="log-level" style="width:auto"><option value="">all</option><option>debug</option><option>info</option><option>warn</option><option>error</option></select></label> <span class="meta" id="log-state"></span></h2><ol class="logs" id="logs"></ol></section>
</div>`,
  script:
    APPROVAL_FORM_SCRIPT +
    String.raw`
(function () {
  const { el, api, badge, time, duration, json, runLink, safeUrl, showError, clearNotice, messageOf, readEvents, whileVisible, markdown, approvalCard, FINAL } = window.Baton;
  const id = decodeURIComponent(location.pathname.replace(/^\/ui\/runs\//, '').replace(/\/$/, ''));
  const runPath = '/api/flow-runs/' + encodeURIComponent(id);
  const header = document.getElementById('header');
  let run;
  let stopRefresh;

  // What the last button did: outside the header, which each refresh draws again.
  const actionStatus = document.getElementById('action-status');
  function action(label, cls, work) {
    const button = el('button', { type: 'button', class: cls, text: label, on: { click: async () => {
      button.disabled = true;
      actionStatus.className = 'meta';
      actionStatus.textContent = label + '…';
      const res = await work();
      button.disabled = false;
      if (!res.ok) { actionStatus.className = 'meta error'; actionStatus.textContent = messageOf(res); return; }
      if (res.data && res.data.id && res.data.id !== id) {
        actionStatus.textContent = 'Started a new run: ';
        actionStatus.append(runLink(res.data.id, res.data.runName || res.data.id));
        refresh();
      } else {
        actionStatus.textContent = label === 'Cancel' ? 'Cancel requested.' : 'Retrying from the first failure.';
        // The run goes on (or ends): read it, its stream and its logs again.
        start();
      }
    } } });
    return [button];
  }

  function renderHeader(r) {
    const web = r.webUrl && safeUrl(r.webUrl);
    const facts = el('dl', { class: 'grid' });
    const fact = (name, ...value) => facts.append(el('dt', { text: name }), el('dd', {}, ...value));
    fact('flow run id', r.id);
    fact('flow', r.flowName);
    fact('deployment', r.deployment || '-');
    fact('tags', r.tags.length ? r.tags.join(', ') : '-');
    fact('started', time(r.startTime));
    fact('ended', time(r.endTime));
    fact('duration', r.startTime ? duration(r.startTime, r.endTime) : '-');
    if (r.parentFlowRunId) fact('parent run', runLink(r.parentFlowRunId));
    if (r.retryOf) fact('retry of', runLink(r.retryOf));
    if (r.childFlowRunIds.length) fact('subflow runs', ...r.childFlowRunIds.flatMap((c, i) => (i ? [', ', runLink(c)] : [runLink(c)])));
    const buttons = el('div', { class: 'actions' });
    if (!FINAL.includes(r.state) && r.state !== 'Cancelling') buttons.append(...action('Cancel', 'danger', () => api('POST', runPath + '/cancel')));
    if (['Failed', 'TimedOut', 'Cancelled', 'Crashed'].includes(r.state)) buttons.append(...action('Retry', 'primary', () => api('POST', runPath + '/retry', {})));
    if (r.state === 'Completed' || r.state === 'Cached') buttons.append(...action('Run again', '', () => api('POST', runPath + '/retry', { mode: 'restart' })));
    if (web) buttons.append(el('a', { href: web, target: '_blank', rel: 'noopener', id: 'web-ui', text: 'History in the Temporal Web UI ↗' }));
    const outcome = r.error
      ? el('div', {}, el('h2', { class: 'error', text: 'Error' }), el('pre', { class: 'error', id: 'run-error', text: (r.error.type ? r.error.type + ': ' : '') + r.error.message }))
      : FINAL.includes(r.state) ? el('div', {}, el('h2', { text: 'Result' }), Object.assign(json(r.result), { id: 'run-result' })) : undefined;
    header.replaceChildren(
      ...[el('h1', {}, badge(r.state), ' ', el('span', { id: 'run-name', text: r.runName || r.id })),
      el('div', { class: 'two' }, facts, el('div', {}, el('h2', { text: 'Parameters' }), Object.assign(json(r.parameters), { id: 'run-parameters' }))),
      outcome,
      buttons].filter(Boolean));
    header.dataset.state = r.state;
  }

  function renderTaskRuns(taskRuns) {
    const body = document.querySelector('#task-runs tbody');
    body.replaceChildren(...taskRuns.map((t) => el('tr', { 'data-task-run': t.id },
      el('td', {}, badge(t.state)),
      el('td', { class: 'name' }, t.kind === 'subflow' ? runLink(t.id, t.runName || t.name) : el('span', { text: t.runName || t.name }), t.runName && t.runName !== t.name ? el('div', { class: 'meta', text: t.name }) : undefined),
      el('td', { text: t.kind }),
      el('td', { class: 'attempts', text: String(t.attempts) }),
      el('td', { text: time(t.startTime) }),
      el('td', { text: t.startTime ? duration(t.startTime, t.endTime) : '-' }),
      el('td', { class: 'error', text: t.error ? t.error.message : '' }))));
    if (!taskRuns.length) body.append(el('tr', {}, el('td', { colspan: '7', class: 'meta', text: 'No task runs yet.' })));
  }

  function artifactBody(a) {
    if (a.type === 'markdown') return markdown(a.data);
    if (a.type === 'progress') {
      const value = Math.max(0, Math.min(100, Number(a.data) || 0));
      return el('div', {}, el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(value) }, el('div', { style: 'width:' + value + '%' })), el('div', { class: 'meta', text: value + ' %' }));
    }
    if (a.type === 'link' || a.type === 'image') {
      const href = safeUrl(a.data);
      return href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: String(a.data) }) : el('span', { text: String(a.data) });
    }
    if (a.type === 'table' && Array.isArray(a.data)) {
      const rows = a.data;
      const columns = Array.isArray(rows[0]) ? rows[0].map((_, i) => i) : [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))];
      const table = el('table', { class: 'list' }, el('tr', {}, ...columns.map((c) => el('th', { text: String(c) }))));
      for (const r of rows) table.append(el('tr', {}, ...columns.map((c) => { const v = r == null ? undefined : r[c]; return el('td', { text: v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v) }); })));
      return table;
    }
    return json(a.data);
  }

  function renderArtifacts(artifacts) {
    const box = document.getElementById('artifacts');
    if (!artifacts.length) { box.replaceChildren(el('p', { class: 'meta', text: 'None yet.' })); return; }
    box.replaceChildren(...artifacts.map((a) => el('div', { class: 'artifact card', 'data-artifact': a.id, 'data-type': a.type, style: 'box-shadow:none;border:1px solid #e2e5ea' },
      el('div', { class: 'meta', text: [a.type, a.key, a.description, a.task ? 'by ' + a.task.taskName + ' (attempt ' + a.task.attempt + ')' : 'by the flow', 'updated ' + time(a.updatedAt)].filter(Boolean).join(' · ') }),
      artifactBody(a))));
  }

  async function renderApprovals(r) {
    const box = document.getElementById('approvals');
    if (r.state !== 'AwaitingApproval') { if (!box.querySelector('[data-decided]')) box.replaceChildren(); return; }
    const res = await api('GET', '/api/approvals?pageSize=200&flow=' + encodeURIComponent(r.flowName));
    if (!res.ok) return;
    for (const a of res.data.approvals.filter((a) => a.flowRunId === id)) {
      if (!box.querySelector('[data-key="' + CSS.escape(a.key) + '"]')) box.append(approvalCard(a, () => refresh()));
    }
  }

  async function refresh() {
    const [res, artifacts] = await Promise.all([api('GET', runPath), api('GET', runPath + '/artifacts')]);
    if (!res.ok) {
      showError(res);
      if (!run) header.replaceChildren(el('p', { class: 'empty error', text: messageOf(res) }));
      return;
    }
    clearNotice();
    run = res.data;
    renderHeader(run);
    renderTaskRuns(run.taskRuns);
    if (artifacts.ok) renderArtifacts(artifacts.data.artifacts);
    await renderApprovals(run);
    if (FINAL.includes(run.state) && stopRefresh) { stopRefresh(); stopRefresh = undefined; }
  }

  /** Follows an SSE route until it ends; reconnects from the last event after a dropped connection. */
  function follow(path, stateLabel, onEvent, resumeQuery) {
    const controller = new AbortController();
    let last;
    (async () => {
      for (let tries = 0; !controller.signal.aborted; tries++) {
        stateLabel.textContent = 'live';
        try {
          await readEvents(resumeQuery && last ? path + (path.includes('?') ? '&' : '?') + resumeQuery + '=' + encodeURIComponent(last) : path, (e) => {
            if (e.id) last = e.id;
            if (e.event === 'end') { stateLabel.textContent = 'ended'; controller.abort(); return; }
            if (e.event === 'error') { stateLabel.textContent = ''; stateLabel.append(el('span', { class: 'error', text: messageOf({ status: 500, data: JSON.parse(e.data) }) })); return; }
            onEvent(e);
          }, controller.signal, resumeQuery ? undefined : last);
          if (controller.signal.aborted) return;
        } catch (err) {
          if (controller.signal.aborted) return;
          if (err && err.status) { stateLabel.textContent = ''; stateLabel.append(el('span', { class: 'error', text: messageOf(err) })); if (err.status === 401) showError(err); return; }
        }
        stateLabel.textContent = 'reconnecting…';
        await new Promise((r) => setTimeout(r, Math.min(5000, 500 * (tries + 1))));
      }
    })();
    return controller;
  }

  const streamList = document.getElementById('stream');
  function onStreamEvent(e) {
    const item = JSON.parse(e.data);
    const what = item.kind === 'item' ? (item.value === undefined ? '' : typeof item.value === 'string' ? item.value : JSON.stringify(item.value))
      : item.kind === 'retry' ? 'the run started over (attempt ' + item.attempt + ')'
      : item.kind === 'discard' ? 'partial output of ' + (item.task ? item.task.taskName + ' attempt ' + item.task.attempt : 'a task') + ' discarded'
      : 'subflow ' + (item.value && item.value.flowRunId ? item.value.flowRunId : '');
    streamList.append(el('li', { 'data-seq': String(item.seq), 'data-kind': item.kind }, el('span', { class: 'meta', text: new Date(item.at).toLocaleTimeString() + ' ' + (item.topic || item.kind) + ' ' }), el('span', { text: what })));
    streamList.scrollTop = streamList.scrollHeight;
  }

  const logList = document.getElementById('logs');
  const levelSelect = document.getElementById('log-level');
  levelSelect.value = new URLSearchParams(location.search).get('level') || '';
  let logs;
  function followLogs() {
    if (logs) logs.abort();
    logList.replaceChildren();
    const level = levelSelect.value;
    logs = follow(runPath + '/logs/stream' + (level ? '?level=' + level : ''), document.getElementById('log-state'), (e) => {
      const line = JSON.parse(e.data);
      logList.append(el('li', { class: line.level, 'data-level': line.level }, el('span', { class: 'meta', text: new Date(line.time).toLocaleTimeString() + ' ' + line.level.toUpperCase() + (line.taskName ? ' ' + line.taskName + (line.attempt ? '#' + line.attempt : '') : ' flow') + ' ' }), el('span', { text: line.message })));
      logList.scrollTop = logList.scrollHeight;
    }, 'after');
  }
  levelSelect.addEventListener('change', () => {
    const q = new URLSearchParams(location.search);
    if (levelSelect.value) q.set('level', levelSelect.value); else q.delete('level');
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
    followLogs();
  });

  let stream;
  function start() {
    if (stopRefresh) stopRefresh();
    stopRefresh = whileVisible(refresh, ${RUN_REFRESH_MS});
    if (stream) stream.abort();
    streamList.replaceChildren();
    stream = follow(runPath + '/stream', document.getElementById('stream-state'), onStreamEvent);
    followLogs();
  }
  Baton.onKey(start);
  start();
})();
`,
});
