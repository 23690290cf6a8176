/**
 * Markdown artifacts, rendered in the browser as nodes, never as HTML: headings, paragraphs, lists,
 * fenced code, quotes, pipe tables, rules; inline code, bold, italics and links (http and https
 * only). Raw HTML in the text shows as the text it is; `_` inside a word (`snake_case`) is text. Part of the shared client script.
 */
export const MARKDOWN_SCRIPT =
  String.raw`
  /** Inline markdown as nodes appended to parent. */
  function inline(parent, text) {
    const pattern = /(` +
  '`' +
  String.raw`[^` +
  '`' +
  String.raw`]+` +
  '`' +
  String.raw`)|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|(?<!\w)_([^_]+)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/g;
    let last = 0;
    let m;
    while ((m = pattern.exec(text))) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      if (m[1]) parent.append(el('code', { text: m[1].slice(1, -1) }));
      else if (m[2]) inline(parent.appendChild(el('strong')), m[2]);
      else if (m[3] || m[4]) inline(parent.appendChild(el('em')), m[3] || m[4]);
      else {
        const href = safeUrl(m[6]);
        if (href) inline(parent.appendChild(el('a', { href, target: '_blank', rel: 'noopener noreferrer' })), m[5]);
        else parent.append(m[0]);
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) parent.append(text.slice(last));
    return parent;
  }

  const cells = (line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());

  /** A markdown text as a div of nodes. */
  function markdown(text) {
    const root = el('div', { class: 'markdown' });
    const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (/^\s*$/.test(line)) { i++; continue; }
      if (/^` +
  '```' +
  String.raw`/.test(line)) {
        const code = [];
        i++;
        while (i < lines.length && !/^` +
  '```' +
  String.raw`/.test(lines[i])) code.push(lines[i++]);
        i++;
        root.append(el('pre', { text: code.join('\n') }));
        continue;
      }
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      if (heading) { root.append(inline(el('h' + Math.min(6, heading[1].length + 2)), heading[2])); i++; continue; }
      if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { root.append(el('hr')); i++; continue; }
      if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-+/.test(lines[i + 1])) {
        const table = el('table');
        const head = el('tr');
        for (const c of cells(line)) head.append(inline(el('th'), c));
        table.append(head);
        i += 2;
        while (i < lines.length && /^\s*\|/.test(lines[i])) {
          const row = el('tr');
          for (const c of cells(lines[i++])) row.append(inline(el('td'), c));
          table.append(row);
        }
        root.append(table);
        continue;
      }
      const bullet = /^\s*([-*+]|\d+[.)])\s+/;
      if (bullet.test(line)) {
        const list = el(/^\s*\d/.test(line) ? 'ol' : 'ul');
        while (i < lines.length && bullet.test(lines[i])) list.append(inline(el('li'), lines[i++].replace(bullet, '')));
        root.append(list);
        continue;
      }
      if (/^\s*>/.test(line)) {
        const quote = [];
        while (i < lines.length && /^\s*>/.test(lines[i])) quote.push(lines[i++].replace(/^\s*>\s?/, ''));
        root.append(inline(el('blockquote'), quote.join(' ')));
        continue;
      }
      const para = [];
      while (i < lines.length && !/^\s*$/.test(lines[i]) && !/^(#{1,6}\s|` +
  '```' +
  String.raw`|\s*[-*+]\s|\s*\d+[.)]\s|\s*>|\s*\|)/.test(lines[i])) para.push(lines[i++]);
      if (!para.length) para.push(lines[i++]);
      root.append(inline(el('p'), para.join(' ')));
    }
    return root;
  }
`;
