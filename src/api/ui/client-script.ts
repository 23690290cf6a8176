/**
 * The browser-side helpers every UI page shares, as `window.Baton`: building nodes (text only
 * through textContent, so a name or an artifact holding `<script>` shows as text), calling the API
 * with the key, reading its Server-Sent Events over fetch (EventSource cannot send the key), states
 * as badges, times, refreshing while the page is visible, and telling the user what went wrong.
 */
import { MARKDOWN_SCRIPT } from './markdown-script';

export const CLIENT_SCRIPT = String.raw`
(function () {
  const keyInput = document.getElementById('api-key');
  const notice = document.getElementById('notice');
  keyInput.value = sessionStorage.getItem('batonApiKey') || '';
  const keyListeners = [];
  keyInput.addEventListener('change', () => { sessionStorage.setItem('batonApiKey', keyInput.value); clearNotice(); for (const f of keyListeners) f(); });
  document.getElementById('refresh').addEventListener('click', () => { clearNotice(); for (const f of keyListeners) f(); });

  /** An element; attrs.text becomes its text (never markup), other attrs are attributes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v;
      else if (k === 'on') for (const [event, f] of Object.entries(v)) node.addEventListener(event, f);
      else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== undefined && c !== null && c !== false) node.append(c);
    return node;
  }

  function headers(extra) {
    const h = Object.assign({ accept: 'application/json' }, extra || {});
    if (keyInput.value) h.authorization = 'Bearer ' + keyInput.value;
    return h;
  }

  /** An answer the API refused, as a readable message. */
  function messageOf(res) {
    if (res.status === 401) return 'The API needs a key: enter your API key above.';
    if (res.status === 403 && res.data && res.data.error && res.data.error.code === 'FORBIDDEN') return 'This API key may not do that: ' + res.data.error.message;
    const e = res.data && res.data.error;
    if (e && e.message) {
      const more = Array.isArray(e.details) ? e.details.filter((d) => d && d.message && !e.message.includes(d.message)) : [];
      return e.message + (more.length ? ' (' + more.map((d) => d.path + ': ' + d.message).join('; ') + ')' : '');
    }
    if (res.status === 0) return 'The API did not answer: is it running?';
    return 'The API answered ' + res.status;
  }

  /** Calls the API; resolves { status, data } (status 0 when the network failed). */
  async function api(method, path, body) {
    try {
      const res = await fetch(path, { method, headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }), body: body === undefined ? undefined : JSON.stringify(body) });
      const data = await res.json().catch(() => ({}));
      return { status: res.status, data, ok: res.status >= 200 && res.status < 300 };
    } catch (err) {
      return { status: 0, data: { error: { message: 'The API did not answer: ' + err.message } }, ok: false };
    }
  }

  /** Shows an API refusal at the top of the page (a 401 asks for the key). */
  function showError(res) {
    notice.textContent = messageOf(res);
    notice.dataset.status = String(res.status);
    notice.hidden = false;
    if (res.status === 401) keyInput.focus();
  }
  function clearNotice() { notice.hidden = true; notice.textContent = ''; }

  /**
   * Reads a Server-Sent Events route with the key, calling onEvent({ id, event, data }) for each
   * event, until the answer ends or signal aborts. Rejects with { status, data } when refused.
   */
  async function readEvents(path, onEvent, signal, lastEventId) {
    const res = await fetch(path, { headers: headers(Object.assign({ accept: 'text/event-stream' }, lastEventId ? { 'last-event-id': lastEventId } : {})), signal });
    if (res.status !== 200) throw { status: res.status, data: await res.json().catch(() => ({})) };
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = { event: 'message', data: '' };
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') event.data += (event.data ? '\n' : '') + text;
          else if (field === 'id' || field === 'event') event[field] = text;
        }
        if (event.data || event.id) onEvent(event);
      }
    }
  }

  const FINAL = ['Completed', 'Cached', 'Failed', 'TimedOut', 'Cancelled', 'Crashed'];
  const STATES = ['Scheduled', 'Pending', 'Running', 'Retrying', 'Paused', 'AwaitingApproval', 'Completed', 'Cached', 'Failed', 'TimedOut', 'Cancelling', 'Cancelled', 'Crashed'];
  function badge(state) { return el('span', { class: 'badge ' + state, 'data-state': state, text: state }); }
  function time(iso) { return iso ? new Date(iso).toLocaleString() : '-'; }
  function duration(start, end) {
    if (!start) return '-';
    const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
    if (ms < 1000) return ms + ' ms';
    const s = ms / 1000;
    if (s < 60) return s.toFixed(1) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
  }
  function json(value) { return el('pre', { text: value === undefined ? '-' : JSON.stringify(value, null, 2) }); }
  function runLink(id, name) { return el('a', { href: '/ui/runs/' + encodeURIComponent(id), text: name || id }); }
  /** A URL safe to link to: http or https only (never javascript: or data:). */
  function safeUrl(text) {
    try { const u = new URL(String(text), location.href); return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined; } catch { return undefined; }
  }

  /** Calls work now and every ms while the page is visible, and at once when it becomes visible again. */
  function whileVisible(work, ms) {
    let busy = false;
    const tick = async () => { if (busy || document.visibilityState !== 'visible') return; busy = true; try { await work(); } finally { busy = false; } };
    const timer = setInterval(tick, ms);
    document.addEventListener('visibilitychange', tick);
    tick();
    return () => { clearInterval(timer); document.removeEventListener('visibilitychange', tick); };
  }

  ${MARKDOWN_SCRIPT}

  window.Baton = { el, api, showError, clearNotice, messageOf, readEvents, badge, time, duration, json, runLink, safeUrl, whileVisible, markdown, FINAL, STATES, onKey: (f) => keyListeners.push(f) };
})();
`;
