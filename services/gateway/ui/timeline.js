// The saga timeline page (served by the gateway, services/gateway/src/app/timeline.routes.ts).
// Plain JavaScript, no framework and no build: one module, the DOM, fetch and EventSource.
//   /ui                 the recent orders, refreshed every 2 s while the tab is visible
//   /ui/orders/<id>     one order's timeline, live from GET /v1/orders/<id>/events (SSE)
// Text from the API only ever goes into textContent and attributes, never into HTML.

const LIST_REFRESH_MS = 2_000;
const LIST_LIMIT = 30;
const jaegerUrl = (
  document.querySelector('meta[name="saga-jaeger-url"]')?.getAttribute('content') ?? ''
).replace(/\/+$/, '');
const app = /** @type {HTMLElement} */ (document.getElementById('app'));

/** Builds an element: `h('td', { class: 'x' }, 'text', child)`. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    // CSSOM, not a style attribute: the page's Content-Security-Policy forbids inline styles.
    else if (k === 'style') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function hex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

/**
 * The page's own reads ask not to be traced (W3C traceparent, sampled flag 00): refreshing a
 * list every 2 s would otherwise bury the orders' traces in Jaeger.
 */
function untraced() {
  return { accept: 'application/json', traceparent: `00-${hex(16)}-${hex(8)}-00` };
}

async function getJson(path) {
  const res = await fetch(path, { headers: untraced() });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const what = body.detail ?? body.title ?? res.statusText;
    throw new Error(`${path} answered ${res.status}: ${what}`);
  }
  return body;
}

const traceHref = (traceId) => (jaegerUrl && traceId ? `${jaegerUrl}/trace/${traceId}` : '');

function ms(n) {
  if (!Number.isFinite(n)) return '';
  if (Math.abs(n) < 10_000) return `${Math.round(n)} ms`;
  if (Math.abs(n) < 120_000) return `${(n / 1000).toFixed(1)} s`;
  return `${Math.round(n / 60_000)} min`;
}

function age(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** Local wall-clock time with milliseconds: 14:03:07.512. */
function clock(iso) {
  const d = new Date(iso);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
const money = (cents) => `${(cents / 100).toFixed(2)} EUR`;
const badge = (kind, value, testid) =>
  h('span', { class: `badge ${kind}-${value}`, 'data-testid': testid }, value);

/** Compensations undo a step: releases, voids, refunds and a participant's cancellation. */
function isCompensation(entry) {
  return (
    entry.outcome === 'compensated' ||
    /^Compensat/.test(entry.step) ||
    (entry.source !== 'order' && /(Released|Voided|Refunded|Cancelled)$/.test(entry.step))
  );
}
const COMPENSATION_COMMANDS = new Set([
  'ReleaseStock',
  'VoidPayment',
  'RefundPayment',
  'CancelShipment',
]);

function setJaegerNav() {
  if (jaegerUrl)
    document.getElementById('nav')?.append(h('a', { href: `${jaegerUrl}/search` }, 'Jaeger'));
}

// --- /ui: the recent orders --------------------------------------------------------------------

function renderList(orders, error) {
  const rows = orders.map((o) =>
    h(
      'tr',
      { 'data-order-id': o.orderId, 'data-status': o.status },
      h(
        'td',
        { class: 'mono' },
        h('a', { href: `/ui/orders/${encodeURIComponent(o.orderId)}` }, o.orderId),
      ),
      h('td', {}, badge('status', o.status)),
      h('td', {}, badge('mode', o.sagaMode)),
      h('td', {}, o.customerId),
      h('td', { class: 'num' }, money(o.totalCents)),
      h('td', { class: 'num' }, o.timeline.length),
      h('td', { class: 'mono' }, clock(o.createdAt)),
      h('td', { class: 'muted' }, age(o.createdAt)),
      h(
        'td',
        {},
        traceHref(o.traceId)
          ? h('a', { href: traceHref(o.traceId), title: 'Open trace in Jaeger' }, 'trace')
          : '',
      ),
    ),
  );
  app.replaceChildren(
    h(
      'div',
      { class: 'title-row' },
      h('h1', {}, 'Recent orders'),
      h(
        'span',
        { class: 'muted', 'data-testid': 'refreshed' },
        `newest ${LIST_LIMIT}, refreshed every ${LIST_REFRESH_MS / 1000} s · ${clock(new Date().toISOString())}`,
      ),
    ),
    error ? h('p', { class: 'error', role: 'alert' }, error) : '',
    orders.length === 0 && !error
      ? h('p', { class: 'muted' }, 'No orders yet. Place one with POST /v1/orders.')
      : h(
          'table',
          { class: 'grid', 'data-testid': 'orders' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Order', 'Status', 'Mode', 'Customer', 'Total', 'Steps', 'Created', 'Age', ''].map(
                (t) => h('th', {}, t),
              ),
            ),
          ),
          h('tbody', {}, rows),
        ),
  );
}

function showList() {
  document.title = 'Orders · Saga timeline';
  let last = [];
  let timer;
  const refresh = async () => {
    clearTimeout(timer);
    try {
      last = (await getJson(`/v1/orders?limit=${LIST_LIMIT}`)).orders;
      renderList(last);
    } catch (err) {
      renderList(last, err.message);
    }
    if (!document.hidden) timer = setTimeout(refresh, LIST_REFRESH_MS);
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
  });
  refresh();
}

// --- /ui/orders/<id>: one order's timeline ------------------------------------------------------

function timelineTable(order, seen) {
  const t = order.timeline;
  const start = Date.parse(t[0]?.at ?? order.createdAt);
  const end = Math.max(start + 1, ...t.map((e) => Date.parse(e.at)));
  const rows = t.map((e, i) => {
    const at = Date.parse(e.at);
    const prev = i === 0 ? start : Date.parse(t[i - 1].at);
    const compensation = isCompensation(e);
    const left = ((prev - start) / (end - start)) * 100;
    const width = Math.max(0.6, ((at - prev) / (end - start)) * 100);
    return h(
      'tr',
      {
        class: [
          compensation ? 'compensation' : '',
          e.outcome === 'failed' ? 'failed' : '',
          seen !== undefined && i >= seen ? 'new' : '',
        ]
          .filter(Boolean)
          .join(' '),
        'data-testid': 'step',
        'data-step': e.step,
        'data-outcome': e.outcome,
      },
      h('td', { class: 'num muted' }, i + 1),
      h(
        'td',
        {},
        h('span', { class: 'step' }, e.step),
        compensation ? h('span', { class: 'tag' }, '↺ compensation') : '',
      ),
      h('td', {}, h('span', { class: `source source-${e.source}` }, e.source)),
      h('td', {}, badge('outcome', e.outcome)),
      h('td', { class: 'detail' }, e.detail || ''),
      h('td', { class: 'num mono', title: e.at }, `+${ms(at - start)}`),
      h('td', { class: 'num mono' }, i === 0 ? '' : ms(at - prev)),
      h(
        'td',
        { class: 'bar-cell' },
        h('span', {
          class: `bar source-${e.source}`,
          style: { marginLeft: `${left.toFixed(2)}%`, width: `${width.toFixed(2)}%` },
        }),
      ),
    );
  });
  return h(
    'table',
    { class: 'grid timeline', 'data-testid': 'timeline' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          '#',
          'Step (message)',
          'Service',
          'Outcome',
          'Detail',
          'Since start',
          'Since previous',
          '',
        ].map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

function sagaTable(saga, startIso) {
  const start = Date.parse(startIso);
  return h(
    'section',
    { class: 'saga', 'data-testid': 'saga' },
    h(
      'h2',
      {},
      'Orchestrator ',
      badge('saga', saga.state, 'saga-state'),
      saga.attempt > 0 ? h('span', { class: 'muted' }, ` attempt ${saga.attempt}`) : '',
    ),
    h(
      'table',
      { class: 'grid' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Since start', 'Input', 'Transition', 'Commands sent'].map((x) => h('th', {}, x)),
        ),
      ),
      h(
        'tbody',
        {},
        saga.log.map((l) =>
          h(
            'tr',
            {
              class:
                l.toState === 'COMPENSATING' || l.toState === 'COMPENSATED' ? 'compensation' : '',
            },
            h('td', { class: 'num mono', title: l.at }, `+${ms(Date.parse(l.at) - start)}`),
            h('td', {}, l.input),
            h('td', { class: 'mono' }, `${l.fromState || '∅'} → ${l.toState}`),
            h(
              'td',
              {},
              l.commands.map((c) =>
                h(
                  'span',
                  { class: COMPENSATION_COMMANDS.has(c) ? 'cmd compensation-cmd' : 'cmd' },
                  c,
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function renderOrder(state) {
  const { order, saga, live, error } = state;
  if (!order) {
    app.replaceChildren(
      h('p', {}, h('a', { href: '/ui' }, '← Orders')),
      error
        ? h('p', { class: 'error', role: 'alert' }, error)
        : h('p', { class: 'muted' }, 'Loading…'),
    );
    return;
  }
  const t = order.timeline;
  const start = Date.parse(order.createdAt);
  const decided = t.find((e) => /^Order(Confirmed|Rejected|Cancelled)$/.test(e.step));
  const last = t.length ? Date.parse(t[t.length - 1].at) : start;
  const href = traceHref(order.traceId);
  const liveText = {
    live: '● live',
    settled: 'settled: nothing more will happen',
    stopped: 'live updates stopped (reload to resume)',
    reconnecting: 'reconnecting…',
  }[live];
  document.title = `${order.status} · ${order.orderId.slice(0, 13)} · Saga timeline`;
  app.replaceChildren(
    h('p', {}, h('a', { href: '/ui' }, '← Orders')),
    h(
      'div',
      { class: 'title-row' },
      h('h1', { class: 'mono' }, order.orderId),
      badge('status', order.status, 'order-status'),
      badge('mode', order.sagaMode, 'order-mode'),
      h(
        'span',
        { class: `live live-${live}`, 'data-testid': 'live-state', 'data-state': live },
        liveText,
      ),
    ),
    error ? h('p', { class: 'error', role: 'alert' }, error) : '',
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Customer'),
      h('dd', {}, order.customerId),
      h('dt', {}, 'Total'),
      h(
        'dd',
        {},
        `${money(order.totalCents)} (${order.items.map((i) => `${i.quantity}× ${i.sku}`).join(', ')})`,
      ),
      h('dt', {}, 'Placed'),
      h('dd', { class: 'mono' }, `${clock(order.createdAt)} (${age(order.createdAt)})`),
      h('dt', {}, 'Decided'),
      h(
        'dd',
        {},
        decided ? `${decided.step} after ${ms(Date.parse(decided.at) - start)}` : 'not yet',
      ),
      h('dt', {}, 'Last step'),
      h('dd', {}, t.length ? `after ${ms(last - start)}` : '—'),
      order.reason ? h('dt', {}, 'Reason') : '',
      order.reason
        ? h('dd', {}, `${order.reason}${order.reasonDetail ? `: ${order.reasonDetail}` : ''}`)
        : '',
      h('dt', {}, 'Trace'),
      h(
        'dd',
        {},
        href
          ? h(
              'a',
              { href, class: 'trace-link', 'data-testid': 'trace-link' },
              'Open trace in Jaeger ↗',
            )
          : h(
              'span',
              { class: 'muted' },
              order.traceId ? `${order.traceId} (no Jaeger URL configured)` : 'not traced',
            ),
      ),
    ),
    h('h2', {}, `Timeline (${t.length} steps)`),
    timelineTable(order, state.seen),
    saga ? sagaTable(saga, order.createdAt) : '',
  );
  state.seen = t.length;
}

function showOrder(orderId) {
  const state = { order: undefined, saga: undefined, live: 'live', error: '', seen: undefined };
  renderOrder(state);
  const events = new EventSource(`/v1/orders/${encodeURIComponent(orderId)}/events`);
  events.addEventListener('order', (e) => {
    state.order = JSON.parse(e.data);
    state.live = 'live';
    state.error = '';
    renderOrder(state);
  });
  events.addEventListener('saga', (e) => {
    state.saga = JSON.parse(e.data);
    renderOrder(state);
  });
  events.addEventListener('end', (e) => {
    events.close();
    state.live = JSON.parse(e.data).settled ? 'settled' : 'stopped';
    renderOrder(state);
  });
  events.addEventListener('error', async () => {
    if (events.readyState === EventSource.CONNECTING) {
      state.live = 'reconnecting';
      renderOrder(state);
      return;
    }
    // Closed by the browser: the stream was refused (404, 503). Say why.
    state.live = 'stopped';
    try {
      state.order = await getJson(`/v1/orders/${encodeURIComponent(orderId)}`);
      state.error = 'Live updates are unavailable; showing the order as it is now.';
    } catch (err) {
      state.error = err.message;
    }
    renderOrder(state);
  });
}

setJaegerNav();
const match = /^\/ui\/orders\/([^/]+)\/?$/.exec(location.pathname);
if (match) showOrder(decodeURIComponent(match[1]));
else showList();
