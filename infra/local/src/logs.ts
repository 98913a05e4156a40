/**
 * `pnpm stack logs`: one component's log, or every service's lines about one order or one trace,
 * merged by time, optionally followed (docs/observability.md, "Logs").
 *
 * Services write one JSON object per line (libs/service-kit's logger): `time`, `level`,
 * `service`, `msg`, `trace_id` and `span_id` inside a span, `order_id` on lines about an order.
 * The pure parts (parse, select, merge, render, arguments) are separate from the file reading so
 * they are tested on their own.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** A log file and the component that writes it. */
export type LogSource = { readonly name: string; readonly file: string };

/** One line of a log, parsed when it is a JSON object. */
export type LogRecord = {
  /** The component whose file the line comes from. */
  readonly source: string;
  /** The line as written (without its newline). */
  readonly text: string;
  /** The line's fields when it is a JSON object, else undefined. */
  readonly fields: Readonly<Record<string, unknown>> | undefined;
  /** Epoch milliseconds of `time` (or `ts`), when the line has one. */
  readonly time: number | undefined;
};

/** What `logs` was asked to show. */
export type LogsCommand =
  | {
      readonly kind: 'component';
      readonly component: string;
      readonly follow: boolean;
      readonly json: boolean;
      readonly lines: number;
    }
  | {
      readonly kind: 'order';
      readonly orderId: string;
      readonly follow: boolean;
      readonly json: boolean;
    }
  | {
      readonly kind: 'trace';
      readonly traceId: string;
      readonly follow: boolean;
      readonly json: boolean;
    };

const TRACE_ID = /^[0-9a-f]{32}$/;
const TRACE_ID_IN_LINE = /"trace_id":"([0-9a-f]{32})"/;

/**
 * Parses the arguments of `logs`: `<component> [-n N]`, `--order <orderId>` or
 * `--trace <traceId>`, each with `[-f|--follow] [--json]`.
 * @throws Error with a usage message when they do not fit.
 */
export function parseLogsArgs(args: readonly string[]): LogsCommand {
  let follow = false;
  let json = false;
  let lines = 100;
  let orderId: string | undefined;
  let traceId: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('-')) throw new Error(`logs: ${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-f':
      case '--follow':
        follow = true;
        break;
      case '--json':
        json = true;
        break;
      case '-n':
      case '--lines': {
        const v = value();
        lines = Number(v);
        if (!Number.isInteger(lines) || lines < 0) {
          throw new Error(`logs: ${arg} needs a whole number (got ${v})`);
        }
        break;
      }
      case '--order':
        orderId = value();
        break;
      case '--trace':
        traceId = value().toLowerCase();
        if (!TRACE_ID.test(traceId)) throw new Error(`logs: a trace id is 32 hex digits`);
        break;
      default:
        if (arg.startsWith('-')) throw new Error(`logs: unknown option ${arg}`);
        names.push(arg);
    }
  }
  const chosen = [names.length > 0, orderId !== undefined, traceId !== undefined].filter(Boolean);
  if (chosen.length !== 1 || names.length > 1) {
    throw new Error('logs needs one component name, or --order <orderId>, or --trace <traceId>');
  }
  if (orderId !== undefined) return { kind: 'order', orderId, follow, json };
  if (traceId !== undefined) return { kind: 'trace', traceId, follow, json };
  return { kind: 'component', component: names[0] as string, follow, json, lines };
}

function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value; // zap: seconds
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Parses one line; a line that is not a JSON object is kept as text. */
export function parseLogLine(source: string, text: string): LogRecord {
  if (text.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const fields = value as Record<string, unknown>;
        return { source, text, fields, time: timeOf(fields.time ?? fields.ts) };
      }
    } catch {
      // not JSON after all: shown as written
    }
  }
  return { source, text, fields: undefined, time: undefined };
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
/** The order a line is about: `order_id` (or `orderId`, as some older lines name it). */
const orderIdOf = (r: LogRecord) => str(r.fields?.order_id) ?? str(r.fields?.orderId);
const traceIdOf = (r: LogRecord) => str(r.fields?.trace_id);

/** Chooses the lines of one order or one trace; see {@link createSelector}. */
export type Selector = {
  /** The traces known to belong to the order (or the one trace asked for). */
  readonly traces: ReadonlySet<string>;
  /** Adds a trace of the order (e.g. the order's `traceId` from the API). */
  readonly addTrace: (traceId: string) => void;
  /** A cheap test on the raw text: false means the line cannot match, whatever it holds. */
  readonly mayMatch: (text: string) => boolean;
  /** Learns the trace of a line about the order, so the trace's other lines are chosen too. */
  readonly learn: (record: LogRecord) => void;
  /** Whether a line is about the order, or in one of its traces. */
  readonly matches: (record: LogRecord) => boolean;
};

/**
 * A selector for `logs --order` or `logs --trace`: a line is chosen when it carries the order's
 * id, or when its `trace_id` is one of the order's traces, which are learnt from the lines that
 * carry the order's id. The request that placed the order and every message of its saga share
 * one trace, so lines that do not name the order (the gateway's request lines, a consumer's
 * retry) are chosen through it.
 */
export function createSelector(target: {
  readonly orderId?: string;
  readonly traceId?: string;
}): Selector {
  const traces = new Set<string>(target.traceId ? [target.traceId] : []);
  const { orderId } = target;
  return {
    traces,
    addTrace: (t) => {
      traces.add(t);
    },
    mayMatch: (text) => {
      if (orderId !== undefined && text.includes(orderId)) return true;
      const t = TRACE_ID_IN_LINE.exec(text)?.[1];
      return t !== undefined && traces.has(t);
    },
    learn: (record) => {
      if (orderId === undefined || orderIdOf(record) !== orderId) return;
      const t = traceIdOf(record);
      if (t) traces.add(t);
    },
    matches: (record) => {
      if (orderId !== undefined && orderIdOf(record) === orderId) return true;
      const t = traceIdOf(record);
      return t !== undefined && traces.has(t);
    },
  };
}

/**
 * Chooses the lines of `selector` among new lines of several sources: first learns every trace
 * the lines reveal, then keeps the matching ones, so a line that comes before the one naming
 * the order (the gateway's "incoming request") is kept too.
 */
export function selectLines(
  batches: readonly { readonly source: string; readonly lines: readonly string[] }[],
  selector: Selector,
): LogRecord[][] {
  const candidates = batches.map(({ source, lines }) =>
    lines.filter((l) => selector.mayMatch(l)).map((l) => parseLogLine(source, l)),
  );
  for (const records of candidates) for (const r of records) selector.learn(r);
  // Learning may have made lines candidates that were not at first (a trace found later).
  return batches.map(({ source, lines }) =>
    lines
      .filter((l) => selector.mayMatch(l))
      .map((l) => parseLogLine(source, l))
      .filter((r) => selector.matches(r)),
  );
}

/**
 * Merges lists of lines, each in the order its source wrote them, into one ordered by time.
 * A source's own order is never changed (a line without a time stays after the one before it);
 * lines with the same time keep the order of the lists.
 */
export function mergeByTime(lists: readonly (readonly LogRecord[])[]): LogRecord[] {
  const heads = lists.map(() => 0);
  const last = lists.map(() => Number.NEGATIVE_INFINITY);
  const out: LogRecord[] = [];
  for (;;) {
    let best = -1;
    let bestTime = Number.POSITIVE_INFINITY;
    for (let i = 0; i < lists.length; i++) {
      const r = (lists[i] as readonly LogRecord[])[heads[i] as number];
      if (!r) continue;
      const t = r.time ?? (last[i] as number);
      if (best < 0 || t < bestTime) {
        best = i;
        bestTime = t;
      }
    }
    if (best < 0) return out;
    const r = (lists[best] as readonly LogRecord[])[heads[best] as number] as LogRecord;
    out.push(r);
    heads[best] = (heads[best] as number) + 1;
    last[best] = bestTime;
  }
}

const LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const COLORS: Readonly<Record<string, string>> = {
  TRACE: '90',
  DEBUG: '90',
  INFO: '32',
  WARN: '33',
  ERROR: '31',
  FATAL: '31',
};
/** Shown in fixed places, not as key=value. */
const OWN_FIELDS = new Set(['time', 'ts', 'level', 'service', 'msg', 'message', 'pid', 'hostname']);
const IDS = ['trace_id', 'span_id'] as const;

function flatten(
  prefix: string,
  value: unknown,
  out: [string, string][],
  blocks: [string, string][],
) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.push([prefix, '{}']);
    for (const [k, v] of entries) flatten(prefix ? `${prefix}.${k}` : k, v, out, blocks);
    return;
  }
  if (typeof value === 'string') {
    if (value.includes('\n')) blocks.push([prefix, value]);
    else out.push([prefix, /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)]);
    return;
  }
  if (typeof value === 'number' && !Number.isInteger(value)) {
    out.push([prefix, String(Math.round(value * 1000) / 1000)]); // responseTime=88.99691600000006
    return;
  }
  out.push([prefix, value === undefined ? 'undefined' : JSON.stringify(value)]);
}

/**
 * One line for a person: `HH:MM:SS.mmm LEVEL service msg key=value …` (UTC time of day; nested
 * fields as `a.b=value`; fractions to 3 decimals; `trace_id` and `span_id` last), with
 * multi-line values such as stack traces indented below it. A line that is not JSON is shown as
 * written.
 */
export function renderRecord(record: LogRecord, options: { readonly color: boolean }): string {
  const f = record.fields;
  if (!f) return record.text;
  const time =
    record.time === undefined ? ''.padEnd(12) : new Date(record.time).toISOString().slice(11, 23);
  const rawLevel = f.level;
  const level = String(
    typeof rawLevel === 'number' ? (LEVELS[rawLevel] ?? rawLevel) : (rawLevel ?? ''),
  ).toUpperCase();
  const shownLevel =
    options.color && COLORS[level]
      ? `\u001b[${COLORS[level]}m${level.padEnd(5)}\u001b[0m`
      : level.padEnd(5);
  const service = String(f.service ?? record.source).padEnd(9);
  const msg = String(f.msg ?? f.message ?? '');
  const pairs: [string, string][] = [];
  const blocks: [string, string][] = [];
  for (const [k, v] of Object.entries(f)) {
    if (OWN_FIELDS.has(k) || (IDS as readonly string[]).includes(k)) continue;
    flatten(k, v, pairs, blocks);
  }
  for (const k of IDS) if (f[k] !== undefined) flatten(k, f[k], pairs, blocks);
  const head = [time, shownLevel, service, msg, ...pairs.map(([k, v]) => `${k}=${v}`)]
    .filter((part) => part !== '')
    .join(' ');
  const below = blocks.map(([k, v]) =>
    `${k}: ${v}`
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n'),
  );
  return [head, ...below].join('\n');
}

// --- files --------------------------------------------------------------------------------------

/** Where reading of a file got to: the file's identity and the offset read up to. */
type Position = { ino: number | undefined; offset: number; partial: Buffer };

async function statOf(file: string) {
  try {
    return await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readRange(handle: FileHandle, from: number, to: number): Promise<Buffer> {
  const buffer = Buffer.alloc(to - from);
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, from + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/** Splits complete lines off `buffer`; the incomplete end is returned as the new partial. */
function splitLines(buffer: Buffer): { lines: string[]; partial: Buffer } {
  const end = buffer.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], partial: buffer };
  const lines = buffer.subarray(0, end).toString('utf8').split('\n');
  return {
    lines: lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)),
    partial: Buffer.from(buffer.subarray(end + 1)),
  };
}

/**
 * The last `count` complete lines of a file, read backwards from its end in chunks (logs grow
 * large), and the position to follow it from. A missing file has no lines.
 */
export async function readLastLines(
  file: string,
  count: number,
): Promise<{ lines: string[]; position: Position }> {
  const s = await statOf(file);
  if (!s) return { lines: [], position: { ino: undefined, offset: 0, partial: Buffer.alloc(0) } };
  const handle = await open(file, 'r');
  try {
    const chunk = 64 * 1024;
    let start = s.size;
    let buffer = Buffer.alloc(0);
    const newlines = (b: Buffer) => {
      let n = 0;
      for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) n++;
      return n;
    };
    while (start > 0 && newlines(buffer) <= count) {
      const from = Math.max(0, start - chunk);
      buffer = Buffer.concat([await readRange(handle, from, start), buffer]);
      start = from;
    }
    const { lines, partial } = splitLines(buffer);
    // Unless the whole file was read, the first line may be cut: drop it.
    const whole = start === 0 ? lines : lines.slice(1);
    return {
      lines: count === 0 ? [] : whole.slice(-count),
      position: { ino: s.ino, offset: s.size, partial },
    };
  } finally {
    await handle.close();
  }
}

/** Every complete line of a file, and the position to follow it from. */
export async function readAllLines(file: string): Promise<{ lines: string[]; position: Position }> {
  const s = await statOf(file);
  if (!s) return { lines: [], position: { ino: undefined, offset: 0, partial: Buffer.alloc(0) } };
  const handle = await open(file, 'r');
  try {
    const { lines, partial } = splitLines(await readRange(handle, 0, s.size));
    return { lines, position: { ino: s.ino, offset: s.size, partial } };
  } finally {
    await handle.close();
  }
}

/** Reads what was appended to some files since the last call. */
export type Tailer = {
  /**
   * The complete lines appended to each file since the last poll (only files with new lines).
   * A file that was truncated or replaced (rotated, or deleted by `reset` and written again) is
   * read again from its start; a file that does not exist yet has no lines.
   */
  readonly poll: () => Promise<{ source: string; lines: string[] }[]>;
};

/** A {@link Tailer} of `sources`, each from the position its first reading ended at. */
export function createTailer(
  sources: readonly (LogSource & { readonly position: Position })[],
): Tailer {
  const state = sources.map((s) => ({ ...s, position: { ...s.position } }));
  return {
    async poll() {
      const out: { source: string; lines: string[] }[] = [];
      for (const s of state) {
        const info = await statOf(s.file);
        const p = s.position;
        if (!info) {
          // Gone (reset): whatever appears under this name later is read from its start.
          s.position = { ino: undefined, offset: 0, partial: Buffer.alloc(0) };
          continue;
        }
        if ((p.ino !== undefined && info.ino !== p.ino) || info.size < p.offset) {
          s.position = { ino: info.ino, offset: 0, partial: Buffer.alloc(0) };
        }
        const q = s.position;
        q.ino = info.ino;
        if (info.size === q.offset) continue;
        const handle = await open(s.file, 'r');
        try {
          const appended = await readRange(handle, q.offset, info.size);
          q.offset += appended.length;
          const { lines, partial } = splitLines(Buffer.concat([q.partial, appended]));
          q.partial = partial;
          if (lines.length) out.push({ source: s.name, lines });
        } finally {
          await handle.close();
        }
      }
      return out;
    },
  };
}

// --- commands -----------------------------------------------------------------------------------

/** What the `logs` commands need from the CLI. */
export type LogsDeps = {
  /** Writes output (lines already joined, newline-terminated). */
  readonly write: (text: string) => void;
  /** Writes a note for the person (stderr): never mixed into the lines. */
  readonly note: (text: string) => void;
  /** Colours the levels (a terminal). */
  readonly color: boolean;
  /** Ends following. */
  readonly signal?: AbortSignal;
  /** How often a followed file is checked. Default 250 ms. */
  readonly pollMs?: number;
};

function printer(deps: LogsDeps, json: boolean) {
  return (records: readonly LogRecord[]) => {
    if (records.length === 0) return;
    const text = records.map((r) => (json ? r.text : renderRecord(r, deps))).join('\n');
    deps.write(`${text}\n`);
  };
}

async function followLoop(
  tailer: Tailer,
  deps: LogsDeps,
  onLines: (batches: { source: string; lines: string[] }[]) => void,
): Promise<void> {
  while (!deps.signal?.aborted) {
    try {
      await delay(deps.pollMs ?? 250, undefined, deps.signal ? { signal: deps.signal } : {});
    } catch {
      return; // aborted
    }
    const batches = await tailer.poll();
    if (batches.length) onLines(batches);
  }
}

/**
 * `logs <component>`: its last lines, rendered (or as written with `--json`), then with
 * `--follow` what it writes next, until the signal aborts.
 * @returns the exit code: 1 when the file does not exist and is not followed.
 */
export async function showComponentLog(
  command: Extract<LogsCommand, { kind: 'component' }>,
  source: LogSource,
  deps: LogsDeps,
): Promise<number> {
  const print = printer(deps, command.json);
  const { lines, position } = await readLastLines(source.file, command.lines);
  if (position.ino === undefined) {
    deps.note(`no log yet at ${source.file}`);
    if (!command.follow) return 1;
  }
  print(lines.map((l) => parseLogLine(source.name, l)));
  if (!command.follow) return 0;
  await followLoop(createTailer([{ ...source, position }]), deps, (batches) => {
    for (const b of batches) print(b.lines.map((l) => parseLogLine(b.source, l)));
  });
  return 0;
}

/**
 * `logs --order <id>` and `logs --trace <id>`: the matching lines of every source, merged by
 * time, then with `--follow` the matching lines written next. For an order, `traceId` (the
 * order's trace from the API, when it could be asked) is one of its traces from the start.
 * @returns the exit code: 1 when nothing matched and nothing is followed.
 */
export async function showCorrelatedLogs(
  command: Exclude<LogsCommand, { kind: 'component' }>,
  sources: readonly LogSource[],
  deps: LogsDeps & { readonly orderTraceId?: string },
): Promise<number> {
  const print = printer(deps, command.json);
  const selector =
    command.kind === 'order'
      ? createSelector({ orderId: command.orderId })
      : createSelector({ traceId: command.traceId });
  if (deps.orderTraceId) selector.addTrace(deps.orderTraceId);
  const read = await Promise.all(
    sources.map(async (s) => ({ ...s, ...(await readAllLines(s.file)) })),
  );
  const first = mergeByTime(
    selectLines(
      read.map((r) => ({ source: r.name, lines: r.lines })),
      selector,
    ),
  );
  print(first);
  const what = command.kind === 'order' ? `order ${command.orderId}` : `trace ${command.traceId}`;
  if (first.length === 0) {
    deps.note(`no log lines of ${what} in ${sources.map((s) => s.name).join(', ')}`);
    if (!command.follow) return 1;
  }
  if (!command.follow) return 0;
  await followLoop(
    createTailer(read.map((r) => ({ name: r.name, file: r.file, position: r.position }))),
    deps,
    (batches) => print(mergeByTime(selectLines(batches, selector))),
  );
  return 0;
}

/**
 * The order's trace id as the gateway reports it (`GET /v1/orders/{id}` → `traceId`), or
 * undefined when the gateway is not reachable, does not know the order, or reports none.
 */
export async function fetchOrderTraceId(
  gatewayUrl: string,
  orderId: string,
  timeoutMs = 2_000,
): Promise<string | undefined> {
  try {
    const res = await fetch(`${gatewayUrl}/v1/orders/${encodeURIComponent(orderId)}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) return undefined;
    const traceId = ((await res.json()) as { traceId?: unknown }).traceId;
    return typeof traceId === 'string' && TRACE_ID.test(traceId) ? traceId : undefined;
  } catch {
    return undefined;
  }
}
