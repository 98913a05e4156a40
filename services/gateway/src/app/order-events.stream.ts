import { setTimeout as delay } from 'node:timers/promises';
import type { OrderDto } from '../adapters/mappers/order.mapper.ts';
import { isSettled } from '../domain/saga-progress.ts';

/** An orchestrated order's saga, as `GET /v1/orders/{id}/saga` shows it. */
export type SagaDto = {
  readonly orderId: string;
  readonly state: string;
  readonly deadlineAt?: string;
  readonly attempt: number;
  readonly log: readonly {
    readonly input: string;
    readonly fromState: string;
    readonly toState: string;
    readonly commands: readonly string[];
    readonly at: string;
  }[];
};

/** One reading of an order: the order, and its saga when it is orchestrated. */
export type OrderSnapshot = { readonly order: OrderDto; readonly saga?: SagaDto | undefined };

/** Where a stream's text goes (the HTTP response). */
export type EventSink = {
  readonly write: (chunk: string) => void;
  readonly end: () => void;
};

/** More event streams are open than the gateway allows; the client may retry later (503). */
export class StreamLimitError extends Error {
  readonly code = 'EVENTS.TOO_MANY_STREAMS';
  readonly limit: number;
  constructor(limit: number) {
    super(`${limit} event streams are open already`);
    this.name = 'StreamLimitError';
    this.limit = limit;
  }
}

/** Options of {@link createOrderEventStreams}. */
export type OrderEventStreamsOptions = {
  /** Reads the order (and its saga); may throw, the stream then tries again at the next poll. */
  readonly read: (orderId: string) => Promise<OrderSnapshot>;
  readonly pollMs: number;
  readonly heartbeatMs: number;
  /** Streams open at once; one more is refused with {@link StreamLimitError}. */
  readonly maxStreams: number;
  /** How long a choreographed order must stay unchanged, its status final, to count as settled. */
  readonly quietMs?: number;
  /** A stream ends after this long even if the order never settles (default 10 minutes). */
  readonly maxDurationMs?: number;
  /** Called with a failed read (logged by the caller); the stream carries on. */
  readonly onReadError?: (err: unknown, orderId: string) => void;
  readonly now?: () => number;
};

/** A reserved place for one stream: start it, or give the place back. */
export type StreamSlot = {
  /**
   * Sends the first snapshot at once, then each change, and ends with an `end` event when the
   * order is settled (or the stream's time is up). `stop` ends it without an `end` event (the
   * client went away, or the gateway shuts down); the slot is freed either way.
   */
  readonly start: (
    orderId: string,
    first: OrderSnapshot,
    sink: EventSink,
  ) => { readonly stop: () => void; readonly done: Promise<void> };
  readonly release: () => void;
};

/** The gateway's live order streams, with their bulkhead. */
export type OrderEventStreams = {
  /** @throws {StreamLimitError} when `maxStreams` are open. */
  readonly reserve: () => StreamSlot;
  /** Streams open now. */
  readonly active: () => number;
  /** Stops every stream (shutdown) and waits until each has ended. */
  readonly closeAll: () => Promise<void>;
};

/** One Server-Sent Event: `event:` and a one-line JSON `data:`. */
export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Server-Sent Event streams of orders, for the live timeline page. Each stream polls the order
 * service every `pollMs` (a read is cheap, and a saga takes ~100–300 ms end to end, so a push
 * from Kafka would add a consumer to the gateway for little gain) and sends only what changed.
 * A comment line every `heartbeatMs` keeps idle proxies from closing the connection.
 */
export function createOrderEventStreams(options: OrderEventStreamsOptions): OrderEventStreams {
  const now = options.now ?? Date.now;
  const quietMs = options.quietMs ?? 2_000;
  const maxDurationMs = options.maxDurationMs ?? 600_000;
  const running = new Set<{ stop: () => void; done: Promise<void> }>();
  let reserved = 0;

  async function run(
    orderId: string,
    first: OrderSnapshot,
    sink: EventSink,
    signal: AbortSignal,
  ): Promise<void> {
    const started = now();
    let lastWrite = started;
    let sentOrder = '';
    let sentSaga = '';
    const send = (chunk: string) => {
      sink.write(chunk);
      lastWrite = now();
    };
    sink.write('retry: 1000\n\n');
    let snapshot: OrderSnapshot | undefined = first;
    for (;;) {
      if (snapshot) {
        const order = JSON.stringify(snapshot.order);
        if (order !== sentOrder) {
          sentOrder = order;
          send(`event: order\ndata: ${order}\n\n`);
        }
        const saga = snapshot.saga ? JSON.stringify(snapshot.saga) : '';
        if (saga && saga !== sentSaga) {
          sentSaga = saga;
          send(`event: saga\ndata: ${saga}\n\n`);
        }
        const settled = isSettled(
          {
            status: snapshot.order.status,
            sagaMode: snapshot.order.sagaMode,
            sagaState: snapshot.saga?.state,
            updatedAt: snapshot.order.updatedAt,
            timelineAt: snapshot.order.timeline.map((t) => t.at),
          },
          now(),
          quietMs,
        );
        if (settled) {
          send(sseEvent('end', { settled: true, status: snapshot.order.status }));
          return;
        }
      }
      if (now() - started >= maxDurationMs) {
        send(sseEvent('end', { settled: false, status: snapshot?.order.status ?? 'PENDING' }));
        return;
      }
      if (now() - lastWrite >= options.heartbeatMs) send(': heartbeat\n\n');
      try {
        await delay(options.pollMs, undefined, { signal });
      } catch {
        return; // stopped
      }
      try {
        snapshot = await options.read(orderId);
      } catch (err) {
        if (signal.aborted) return;
        options.onReadError?.(err, orderId);
        snapshot = undefined;
      }
      if (signal.aborted) return;
    }
  }

  return {
    reserve() {
      if (reserved >= options.maxStreams) throw new StreamLimitError(options.maxStreams);
      reserved++;
      let released = false;
      const release = () => {
        if (!released) {
          released = true;
          reserved--;
        }
      };
      return {
        release,
        start(orderId, first, sink) {
          const controller = new AbortController();
          const entry = {
            stop: () => controller.abort(),
            done: run(orderId, first, sink, controller.signal)
              .catch(() => {
                // A failed write means the client is gone; nothing to tell anyone.
              })
              .finally(() => {
                running.delete(entry);
                release();
                sink.end();
              }),
          };
          running.add(entry);
          return entry;
        },
      };
    },
    active: () => reserved,
    async closeAll() {
      const all = [...running];
      for (const s of all) s.stop();
      await Promise.all(all.map((s) => s.done));
    },
  };
}
