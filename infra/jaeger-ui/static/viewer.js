// A small trace viewer over Jaeger's query API (same origin), standing in for the Jaeger UI on
// the native stack (docs/adr/0009-native-jaeger-ui.md). No framework, no build, no dependencies.
//   /trace/<traceId>        the trace as a waterfall: spans nested by parent, bars on one time
//                           axis, a span's attributes on click
//   /, /search?service=…    the latest traces of a service
// Text from the API only ever goes into textContent and attributes, never into HTML.

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
// The platform's services keep the colours of the saga timeline page; others take the palette.
const KNOWN = {
  gateway: '#455a64',
  order: '#5b61d6',
  inventory: '#0f8a7e',
  payment: '#b35c00',
  shipping: '#8e44ad',
};
const PALETTE = ['#00838f', '#6d4c41', '#ad1457', '#2e7d32', '#546e7a', '#7b1fa2'];
// A young trace may still be receiving spans (services export in batches, about every second).
const REFRESH_YOUNG_MS = 2_000;
const YOUNG_FOR_MS = 20_000;

/** Builds an element: `h('td', { class: 'x' }, 'text', child)`. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    // CSSOM, not a style attribute: the page's Content-Security-Policy forbids inline styles.
    else if (k === 'style') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const msg = body.errors?.[0]?.msg ?? res.statusText;
    const err = new Error(`${path}: ${res.status} ${msg}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

/** Microseconds as a short duration. */
function us(n) {
  if (n < 1_000) return `${n} µs`;
  if (n < 1_000_000) return `${(n / 1_000).toFixed(n < 10_000 ? 2 : 1)} ms`;
  return `${(n / 1_000_000).toFixed(2)} s`;
}

/** A span start (µs since the epoch) as local date and time with milliseconds. */
function when(startUs) {
  const d = new Date(startUs / 1000);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function showVersion() {
  const raw = document.querySelector('meta[name="jaeger-version"]')?.getAttribute('content') ?? '';
  const json = raw.replace(/^\s*JAEGER_VERSION\s*=\s*/, '').replace(/;\s*$/, '');
  try {
    const v = JSON.parse(json);
    const el = document.getElementById('version');
    if (el && v.gitVersion) el.textContent = `Jaeger ${v.gitVersion}`;
  } catch {
    // Not served by Jaeger (opened as a file): no version to show.
  }
}

function serviceColors(names) {
  const others = [...new Set(names)].filter((n) => !(n in KNOWN)).sort();
  return new Map([
    ...Object.entries(KNOWN),
    ...others.map((n, i) => [n, PALETTE[i % PALETTE.length]]),
  ]);
}

const tagValue = (t) => (typeof t.value === 'string' ? t.value : JSON.stringify(t.value));
const isError = (span) =>
  span.tags.some(
    (t) =>
      (t.key === 'error' && t.value === true) ||
      (t.key === 'otel.status_code' && t.value === 'ERROR'),
  );
/** A word that tells spans with the same operation apart (a message type, an RPC method). */
function hint(span) {
  const find = (k) => span.tags.find((t) => t.key === k)?.value;
  return find('messaging.message.type') ?? find('http.response.status_code') ?? '';
}

// --- a trace ------------------------------------------------------------------------------------

/** Spans in display order (depth first, children by start time), with their depth. */
function layout(trace) {
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const children = new Map();
  const roots = [];
  for (const s of trace.spans) {
    const parent = s.references.find((r) => r.traceID === s.traceID && byId.has(r.spanID));
    if (parent) {
      const list = children.get(parent.spanID) ?? [];
      list.push(s);
      children.set(parent.spanID, list);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a, b) => a.startTime - b.startTime;
  const out = [];
  const visit = (s, depth) => {
    out.push({ span: s, depth, childCount: (children.get(s.spanID) ?? []).length });
    for (const c of (children.get(s.spanID) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  return out;
}

function details(span, trace) {
  const proc = trace.processes[span.processID] ?? { serviceName: '?', tags: [] };
  const table = (rows) =>
    h(
      'table',
      { class: 'kv' },
      rows.map(([k, v]) => h('tr', {}, h('td', { class: 'k' }, k), h('td', { class: 'v' }, v))),
    );
  return h(
    'div',
    { class: 'details', 'data-testid': 'span-details' },
    h('h4', {}, 'Span'),
    table([
      ['operation', span.operationName],
      ['service', proc.serviceName],
      ['span id', span.spanID],
      ['parent', span.references.map((r) => `${r.refType} ${r.spanID}`).join(', ') || '(root)'],
      ['start', when(span.startTime)],
      ['duration', us(span.duration)],
    ]),
    h('h4', {}, 'Attributes'),
    table(span.tags.map((t) => [t.key, tagValue(t)])),
    span.logs.length
      ? [
          h('h4', {}, 'Events'),
          table(
            span.logs.map((l) => [
              `+${us(l.timestamp - span.startTime)}`,
              l.fields.map((f) => `${f.key}=${tagValue(f)}`).join('  '),
            ]),
          ),
        ]
      : '',
    h('h4', {}, 'Process'),
    table(proc.tags.map((t) => [t.key, tagValue(t)])),
    span.warnings?.length ? h('p', { class: 'muted' }, span.warnings.join('; ')) : '',
  );
}

function renderTrace(trace, state) {
  const rows = layout(trace);
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const total = Math.max(1, end - start);
  const serviceOf = (s) => trace.processes[s.processID]?.serviceName ?? '?';
  const colors = serviceColors(trace.spans.map(serviceOf));
  const counts = new Map();
  for (const s of trace.spans) counts.set(serviceOf(s), (counts.get(serviceOf(s)) ?? 0) + 1);
  const root = rows[0]?.span;
  const errors = trace.spans.filter(isError).length;
  document.title = `${root ? `${serviceOf(root)}: ${root.operationName}` : 'trace'} · Jaeger`;

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) =>
    h('span', { class: 'tick', style: { left: `${f * 100}%` } }, us(Math.round(total * f))),
  );
  const body = rows.flatMap(({ span, depth, childCount }) => {
    const service = serviceOf(span);
    const left = ((span.startTime - start) / total) * 100;
    const width = Math.max(0.3, (span.duration / total) * 100);
    const open = state.open.has(span.spanID);
    const row = h(
      'div',
      {
        class: `row${isError(span) ? ' error' : ''}${open ? ' open' : ''}`,
        'data-testid': 'span',
        'data-service': service,
        'data-span-id': span.spanID,
        role: 'button',
        tabindex: '0',
        title: 'Show attributes',
        onclick: () => {
          if (open) state.open.delete(span.spanID);
          else state.open.add(span.spanID);
          renderTrace(trace, state);
        },
        onkeydown: (e) => {
          if (e.key === 'Enter') e.currentTarget.click();
        },
      },
      h(
        'div',
        { class: 'name', style: { paddingLeft: `${8 + depth * 14}px` } },
        h('span', { class: 'svc', style: { background: colors.get(service) } }, service),
        h('span', { class: 'op' }, span.operationName),
        hint(span) ? h('span', { class: 'hint' }, String(hint(span))) : '',
        childCount ? h('span', { class: 'muted small' }, ` (${childCount})`) : '',
      ),
      h(
        'div',
        { class: 'lane' },
        h('span', {
          class: 'bar',
          style: {
            left: `${left.toFixed(3)}%`,
            width: `${width.toFixed(3)}%`,
            background: colors.get(service),
          },
        }),
        h(
          'span',
          {
            class: 'dur',
            // After the bar; the lane keeps a margin on the right for the last ones.
            style: { left: `${(left + width).toFixed(3)}%` },
          },
          us(span.duration),
        ),
      ),
    );
    return open ? [row, details(span, trace)] : [row];
  });

  app.replaceChildren(
    h(
      'section',
      { class: 'summary' },
      h(
        'h1',
        { 'data-testid': 'trace-title' },
        root ? `${serviceOf(root)}: ${root.operationName}` : 'Trace',
        h('span', { class: 'muted mono' }, ` ${trace.traceID}`),
      ),
      h(
        'div',
        { class: 'facts' },
        h('span', {}, `Started ${when(start)}`),
        h('span', {}, `Duration ${us(total)}`),
        h('span', { 'data-testid': 'span-count' }, `${trace.spans.length} spans`),
        h('span', {}, `${counts.size} services`),
        errors ? h('span', { class: 'err' }, `${errors} errors`) : '',
        state.young
          ? h('span', { class: 'muted', 'data-testid': 'refreshing' }, 'still receiving spans…')
          : '',
      ),
      h(
        'div',
        { class: 'legend', 'data-testid': 'trace-services' },
        [...counts.entries()]
          .sort()
          .map(([name, n]) =>
            h(
              'span',
              { class: 'svc', style: { background: colors.get(name) }, 'data-service': name },
              `${name} ${n}`,
            ),
          ),
      ),
    ),
    h(
      'section',
      { class: 'waterfall' },
      h(
        'div',
        { class: 'row head' },
        h('div', { class: 'name' }, 'Service · operation'),
        h('div', { class: 'lane' }, ticks),
      ),
      body,
    ),
  );
}

async function showTrace(traceId) {
  const state = { open: new Set(), young: false };
  const opened = Date.now();
  let timer;
  const load = async () => {
    clearTimeout(timer);
    try {
      const body = await api(`/api/traces/${encodeURIComponent(traceId)}`);
      const trace = body.data?.[0];
      if (!trace) throw Object.assign(new Error('trace not found'), { status: 404 });
      const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration)) / 1000;
      state.young = Date.now() - end < YOUNG_FOR_MS && Date.now() - opened < YOUNG_FOR_MS * 2;
      renderTrace(trace, state);
    } catch (err) {
      // A trace found too early is not there yet: spans reach Jaeger in batches.
      state.young = err.status === 404 && Date.now() - opened < YOUNG_FOR_MS;
      app.replaceChildren(
        h('h1', {}, `Trace ${traceId}`),
        h('p', { class: 'error', role: 'alert' }, err.message),
        state.young ? h('p', { class: 'muted' }, 'Spans are exported in batches; retrying…') : '',
      );
    }
    if (state.young) timer = setTimeout(load, REFRESH_YOUNG_MS);
  };
  await load();
}

// --- search -------------------------------------------------------------------------------------

function traceSummary(trace) {
  const serviceOf = (s) => trace.processes[s.processID]?.serviceName ?? '?';
  const root =
    trace.spans.find(
      (s) => !s.references.some((r) => trace.spans.some((p) => p.spanID === r.spanID)),
    ) ?? trace.spans[0];
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  return {
    id: trace.traceID,
    root: root ? `${serviceOf(root)}: ${root.operationName}` : '?',
    start,
    duration: end - start,
    spans: trace.spans.length,
    services: [...new Set(trace.spans.map(serviceOf))].sort(),
    errors: trace.spans.filter(isError).length,
  };
}

async function showSearch(params) {
  document.title = 'Search · Jaeger';
  let services = [];
  let error = '';
  try {
    services = ((await api('/api/services')).data ?? []).sort();
  } catch (err) {
    error = err.message;
  }
  const service = params.get('service') || (services.includes('gateway') ? 'gateway' : services[0]);
  const limit = Number(params.get('limit')) || 20;
  const lookback = params.get('lookback') || '1h';
  const form = h(
    'form',
    { class: 'search', method: 'get', action: '/search' },
    h(
      'label',
      {},
      'Service ',
      h(
        'select',
        { name: 'service' },
        services.map((s) => h('option', { value: s, selected: s === service }, s)),
      ),
    ),
    h(
      'label',
      {},
      'Lookback ',
      h(
        'select',
        { name: 'lookback' },
        ['15m', '1h', '6h', '24h'].map((l) =>
          h('option', { value: l, selected: l === lookback }, l),
        ),
      ),
    ),
    h(
      'label',
      {},
      'Limit ',
      h('input', { name: 'limit', type: 'number', min: '1', max: '200', value: String(limit) }),
    ),
    h('button', { type: 'submit' }, 'Find traces'),
    h('span', { class: 'sep' }),
    h(
      'label',
      {},
      'Trace id ',
      h('input', { name: 'trace', placeholder: '32 hex digits', size: '34' }),
    ),
  );
  form.addEventListener('submit', (e) => {
    const id = new FormData(form).get('trace');
    if (typeof id === 'string' && id.trim()) {
      e.preventDefault();
      location.assign(`/trace/${encodeURIComponent(id.trim())}`);
    }
  });
  app.replaceChildren(
    h('h1', {}, 'Search traces'),
    form,
    error ? h('p', { class: 'error' }, error) : '',
    h('p', { class: 'muted' }, 'Loading…'),
  );
  if (!service) return;
  const ms =
    { '15m': 15 * 60e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3 }[lookback] ?? 3600e3;
  const q = new URLSearchParams({
    service,
    limit: String(limit),
    start: String((Date.now() - ms) * 1000),
    end: String(Date.now() * 1000),
  });
  let rows;
  try {
    const traces = (await api(`/api/traces?${q}`)).data ?? [];
    const summaries = traces.map(traceSummary).sort((a, b) => b.start - a.start);
    const longest = Math.max(1, ...summaries.map((s) => s.duration));
    rows = summaries.length
      ? h(
          'table',
          { class: 'grid', 'data-testid': 'results' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Started', 'Root span', 'Duration', '', 'Spans', 'Services'].map((t) =>
                h('th', {}, t),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            summaries.map((s) =>
              h(
                'tr',
                { 'data-trace-id': s.id },
                h('td', { class: 'mono' }, when(s.start)),
                h(
                  'td',
                  {},
                  h('a', { href: `/trace/${s.id}` }, s.root),
                  s.errors ? h('span', { class: 'err' }, ` ${s.errors} errors`) : '',
                ),
                h('td', { class: 'num' }, us(s.duration)),
                h(
                  'td',
                  { class: 'minibar' },
                  h('span', { style: { width: `${((s.duration / longest) * 100).toFixed(1)}%` } }),
                ),
                h('td', { class: 'num' }, s.spans),
                h('td', {}, s.services.join(', ')),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, `No traces of ${service} in the last ${lookback}.`);
  } catch (err) {
    rows = h('p', { class: 'error' }, err.message);
  }
  app.lastElementChild?.replaceWith(rows);
}

showVersion();
const traceMatch = /^\/trace\/([0-9a-fA-F]+)\/?$/.exec(location.pathname);
if (traceMatch) showTrace(traceMatch[1].toLowerCase());
else showSearch(new URLSearchParams(location.search));
