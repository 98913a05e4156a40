import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  createSelector,
  createTailer,
  type LogRecord,
  mergeByTime,
  parseLogLine,
  parseLogsArgs,
  readAllLines,
  readLastLines,
  renderRecord,
  selectLines,
  showCorrelatedLogs,
} from './logs.ts';

const ORDER = '01a201d5-8a73-7519-bd7b-d42315005d50';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER_TRACE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

const line = (fields: Record<string, unknown>) => JSON.stringify(fields);
const at = (s: number) => `2026-11-22T07:34:${String(s).padStart(2, '0')}.000Z`;

test('arguments: a component with -n, -f and --json; an order; a trace; and what is refused', () => {
  assert.deepEqual(parseLogsArgs(['order']), {
    kind: 'component',
    component: 'order',
    follow: false,
    json: false,
    lines: 100,
  });
  assert.deepEqual(parseLogsArgs(['gateway', '-f', '-n', '20', '--json']), {
    kind: 'component',
    component: 'gateway',
    follow: true,
    json: true,
    lines: 20,
  });
  assert.deepEqual(parseLogsArgs(['--order', ORDER, '--follow']), {
    kind: 'order',
    orderId: ORDER,
    follow: true,
    json: false,
  });
  assert.deepEqual(parseLogsArgs(['--trace', TRACE.toUpperCase(), '--json']), {
    kind: 'trace',
    traceId: TRACE,
    follow: false,
    json: true,
  });
  assert.throws(() => parseLogsArgs([]), /one component name, or --order/);
  assert.throws(() => parseLogsArgs(['order', '--order', ORDER]), /one component name/);
  assert.throws(() => parseLogsArgs(['order', 'payment']), /one component name/);
  assert.throws(() => parseLogsArgs(['--order']), /--order needs a value/);
  assert.throws(() => parseLogsArgs(['--trace', 'abc']), /32 hex digits/);
  assert.throws(() => parseLogsArgs(['order', '-n', 'x']), /whole number/);
  assert.throws(() => parseLogsArgs(['order', '--since', '5m']), /unknown option --since/);
});

test('a JSON line is parsed with its time; any other line is kept as text', () => {
  const json = parseLogLine('order', line({ level: 'info', time: at(5), msg: 'hi' }));
  assert.equal(json.time, Date.parse(at(5)));
  assert.equal(json.fields?.msg, 'hi');
  const text = parseLogLine('postgres', '2026-11-22 07:39:19.418 UTC [25564] LOG:  checkpoint');
  assert.equal(text.fields, undefined);
  assert.equal(text.time, undefined);
  assert.equal(parseLogLine('x', '{not json').fields, undefined);
  assert.equal(parseLogLine('x', '[1,2]').fields, undefined);
});

test('a rendered line reads time, level, service, message, then key=values, ids last', () => {
  const r = parseLogLine(
    'gateway',
    line({
      level: 30,
      time: at(32),
      service: 'gateway',
      trace_id: TRACE,
      span_id: '00f067aa0ba902b7',
      reqId: 'req-1',
      req: { method: 'POST', url: '/v1/orders' },
      note: 'two words',
      responseTime: 88.99691600000006,
      msg: 'incoming request',
    }),
  );
  assert.equal(
    renderRecord(r, { color: false }),
    `07:34:32.000 INFO  gateway   incoming request reqId=req-1 req.method=POST req.url=/v1/orders note="two words" responseTime=88.997 trace_id=${TRACE} span_id=00f067aa0ba902b7`,
  );
  assert.ok(renderRecord(r, { color: true }).includes('\u001b[32mINFO \u001b[0m gateway'));
});

test('a stack trace is rendered indented below its line; a text line as written', () => {
  const r = parseLogLine(
    'order',
    line({
      level: 'error',
      time: at(1),
      service: 'order',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (a.ts:1:1)' },
      msg: 'request failed',
    }),
  );
  assert.equal(
    renderRecord(r, { color: false }),
    [
      '07:34:01.000 ERROR order     request failed err.type=Error err.message=boom',
      '    err.stack: Error: boom',
      '        at x (a.ts:1:1)',
    ].join('\n'),
  );
  assert.equal(renderRecord(parseLogLine('redis', 'Ready'), { color: false }), 'Ready');
});

test('an order’s lines: those naming it, and every line of its traces, even ones seen before', () => {
  const gateway = [
    line({ time: at(1), trace_id: TRACE, msg: 'incoming request' }),
    line({ time: at(2), trace_id: OTHER_TRACE, msg: 'someone else’s request' }),
    line({ time: at(5), trace_id: TRACE, msg: 'request completed' }),
  ];
  const inventory = [
    line({ time: at(3), trace_id: TRACE, order_id: ORDER, msg: 'message handled' }),
    line({ time: at(4), order_id: 'another-order', trace_id: OTHER_TRACE, msg: 'other' }),
    'plain text mentioning the trace 4bf92f3577b34da6a3ce929d0e0e4736',
  ];
  const payment = [
    line({ time: at(6), orderId: ORDER, msg: 'named the old way, outside any trace' }),
  ];
  const selector = createSelector({ orderId: ORDER });
  const picked = selectLines(
    [
      { source: 'gateway', lines: gateway },
      { source: 'inventory', lines: inventory },
      { source: 'payment', lines: payment },
    ],
    selector,
  );
  assert.deepEqual(
    picked.map((rs) => rs.map((r) => r.fields?.msg)),
    [
      ['incoming request', 'request completed'],
      ['message handled'],
      ['named the old way, outside any trace'],
    ],
  );
  assert.deepEqual([...selector.traces], [TRACE]);
});

test('a trace’s lines are those carrying its id, and nothing else', () => {
  const picked = selectLines(
    [
      {
        source: 'order',
        lines: [
          line({ time: at(1), trace_id: TRACE, order_id: ORDER, msg: 'in' }),
          line({
            time: at(2),
            trace_id: OTHER_TRACE,
            order_id: ORDER,
            msg: 'same order, other trace',
          }),
        ],
      },
    ],
    createSelector({ traceId: TRACE }),
  );
  assert.deepEqual(
    picked.flat().map((r) => r.fields?.msg),
    ['in'],
  );
});

test('merging orders lines by time across sources, and never reorders one source', () => {
  const rec = (source: string, s: number | undefined, msg: string): LogRecord => ({
    source,
    text: msg,
    fields: { msg },
    time: s === undefined ? undefined : Date.parse(at(s)),
  });
  const merged = mergeByTime([
    [rec('gateway', 1, 'g1'), rec('gateway', 5, 'g5')],
    [rec('order', 2, 'o2'), rec('order', undefined, 'o-untimed'), rec('order', 5, 'o5')],
    [rec('payment', 3, 'p3'), rec('payment', 1, 'p1-late')],
  ]);
  assert.deepEqual(
    merged.map((r) => r.text),
    ['g1', 'o2', 'o-untimed', 'p3', 'p1-late', 'g5', 'o5'],
  );
  assert.deepEqual(mergeByTime([]), []);
});

test('the last lines of a file are read from its end; a missing file has none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'logs-'));
  try {
    const file = join(dir, 'big.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    await writeFile(file, `${lines.join('\n')}\npartial`);
    const last = await readLastLines(file, 3);
    assert.deepEqual(last.lines, lines.slice(-3));
    assert.equal((await readLastLines(file, 0)).lines.length, 0);
    assert.deepEqual((await readLastLines(file, 10_000)).lines, lines);
    assert.deepEqual((await readAllLines(file)).lines, lines);
    assert.deepEqual((await readLastLines(join(dir, 'none.log'), 5)).lines, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('following a file: appended lines, a line written in two parts, truncation and replacement', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'logs-'));
  try {
    const file = join(dir, 'order.log');
    await writeFile(file, 'old 1\nold 2\n');
    const { position } = await readAllLines(file);
    const tailer = createTailer([{ name: 'order', file, position }]);
    assert.deepEqual(await tailer.poll(), []);

    await appendFile(file, 'new 1\nnew 2 first half');
    assert.deepEqual(await tailer.poll(), [{ source: 'order', lines: ['new 1'] }]);
    await appendFile(file, ' second half\n');
    assert.deepEqual(await tailer.poll(), [
      { source: 'order', lines: ['new 2 first half second half'] },
    ]);

    await truncate(file, 0);
    await appendFile(file, 'after truncation\n');
    assert.deepEqual(await tailer.poll(), [{ source: 'order', lines: ['after truncation'] }]);

    // Rotation: the file is moved away and a new one takes its name, longer than the old offset.
    await rename(file, `${file}.1`);
    await writeFile(file, 'rotated 1\nrotated 2 is a much longer line than before\n');
    assert.deepEqual(await tailer.poll(), [
      { source: 'order', lines: ['rotated 1', 'rotated 2 is a much longer line than before'] },
    ]);

    await rm(file);
    assert.deepEqual(await tailer.poll(), []);
    await writeFile(file, 'after reset\n');
    assert.deepEqual(await tailer.poll(), [{ source: 'order', lines: ['after reset'] }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an order’s logs across files come out merged by time, then followed until aborted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'logs-'));
  try {
    const sources = ['gateway', 'order'].map((name) => ({ name, file: join(dir, `${name}.log`) }));
    await writeFile(
      join(dir, 'gateway.log'),
      `${line({ time: at(1), service: 'gateway', trace_id: TRACE, msg: 'incoming request' })}\n`,
    );
    await writeFile(
      join(dir, 'order.log'),
      `${line({ time: at(2), service: 'order', trace_id: TRACE, order_id: ORDER, msg: 'message handled' })}\n`,
    );
    const out: string[] = [];
    const notes: string[] = [];
    const abort = new AbortController();
    const deps = {
      write: (t: string) => {
        out.push(t);
        if (out.join('').includes('later')) abort.abort();
      },
      note: (t: string) => notes.push(t),
      color: false,
      signal: abort.signal,
      pollMs: 10,
    };
    const following = showCorrelatedLogs(
      { kind: 'order', orderId: ORDER, follow: true, json: true },
      sources,
      deps,
    );
    await appendFile(
      join(dir, 'gateway.log'),
      `${line({ time: at(3), service: 'gateway', trace_id: TRACE, msg: 'later' })}\n`,
    );
    assert.equal(await following, 0);
    assert.deepEqual(
      out
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
      ['incoming request', 'message handled', 'later'],
    );
    assert.deepEqual(notes, []);

    const missing = await showCorrelatedLogs(
      { kind: 'trace', traceId: OTHER_TRACE, follow: false, json: false },
      sources,
      { write: deps.write, note: deps.note, color: false },
    );
    assert.equal(missing, 1);
    assert.match(notes.join(''), /no log lines of trace a{32} in gateway, order/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
