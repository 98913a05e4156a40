import { EVENTS, messageOf } from '@saga/contracts';
import { autocommit, type Tx, withTransaction } from '@saga/db';
import { enqueue } from '@saga/outbox';
import { activeTraceId, activeTraceParent, inStoredTrace, withSpan } from '@saga/telemetry';
import type pg from 'pg';
import {
  appendTimeline,
  findByRequestId,
  findOrder,
  insertOrder,
  listOrders,
  type StoredOrder,
  type StoredTimelineEntry,
  saveStatus,
  timelineOf,
} from '../adapters/order.repository.ts';
import {
  type Address,
  cancel,
  InvalidOrderError,
  type LineItem,
  type PricedLineItem,
  placeOrder,
  type SagaMode,
  validateNewOrder,
} from '../domain/order.domain.ts';
import type { Orchestrator } from './orchestrator.ts';
import { OrderNotCancellableError, OrderNotFoundError } from './order.errors.ts';
import { toProtoSagaMode } from './order.mapping.ts';
import { toOrderPlaced } from './order.messages.ts';
import { stageOutcome, withTransactionRecordingOutcomes } from './saga.metrics.ts';

/** Prices order lines (the inventory service owns prices). */
export type PriceItems = (items: readonly LineItem[]) => Promise<readonly PricedLineItem[]>;

/** An order with its timeline, as queries return it. */
export type OrderView = StoredOrder & { readonly timeline: readonly StoredTimelineEntry[] };

/** What placing an order needs. */
export type PlaceOrderInput = {
  readonly requestId: string;
  readonly customerId: string;
  readonly items: readonly LineItem[];
  readonly shippingAddress: Address | undefined;
  readonly sagaMode: SagaMode | undefined;
};

/**
 * The order service's use cases, called by its gRPC adapter. Every state change and the event
 * announcing it commit in one transaction (transactional outbox).
 */
export function createOrderUseCases(deps: {
  readonly pool: pg.Pool;
  readonly priceItems: PriceItems;
  readonly newId: () => string;
  readonly defaultSagaMode: SagaMode;
  /** Saga styles this build runs; others are refused (INVALID_ARGUMENT). */
  readonly sagaModes: readonly SagaMode[];
  /** Drives orchestrated orders. */
  readonly orchestrator: Orchestrator;
}) {
  const { pool } = deps;

  const view = async (db: Tx, order: StoredOrder): Promise<OrderView> => ({
    ...order,
    timeline: await timelineOf(db, order.id),
  });

  return {
    /**
     * Places an order: validates it, prices it with the inventory (a gRPC call with a deadline,
     * before the transaction, so no connection is held while waiting), then stores it PENDING
     * and enqueues OrderPlaced in one transaction. A second call with the same request id
     * returns the first call's order and places nothing.
     */
    async place(input: PlaceOrderInput): Promise<OrderView> {
      const existing = await findByRequestId(autocommit(pool), input.requestId);
      if (existing) return view(autocommit(pool), existing);
      validateNewOrder(input);
      const sagaMode = input.sagaMode ?? deps.defaultSagaMode;
      if (!deps.sagaModes.includes(sagaMode)) {
        throw new InvalidOrderError(`sagaMode ${sagaMode} is not available`);
      }
      const shippingAddress = input.shippingAddress as Address;
      const items = await deps.priceItems(input.items);
      const order = placeOrder({
        id: deps.newId(),
        customerId: input.customerId,
        items,
        shippingAddress,
        sagaMode,
      });
      // The order remembers its trace: "one order = one trace" can be opened from it, and work
      // on it that no message carries a trace to (sweeps, retries, a cancellation) continues it.
      const trace = { traceId: activeTraceId(), traceParent: activeTraceParent() };
      return withTransaction(pool, async (tx) => {
        if (!(await insertOrder(tx, order, input.requestId, trace))) {
          // A concurrent retry of the same request won the insert.
          const winner = await findByRequestId(tx, input.requestId);
          if (!winner) throw new Error(`order of request ${input.requestId} vanished`);
          return view(tx, winner);
        }
        const message = messageOf(EVENTS.OrderPlaced, toOrderPlaced(order), { key: order.id });
        await appendTimeline(
          tx,
          order.id,
          {
            step: 'OrderPlaced',
            source: 'order',
            outcome: 'ok',
            detail: `${order.sagaMode}, total ${order.totalCents} cents`,
          },
          message.id,
        );
        await enqueue(tx, message);
        const stored = await findOrder(tx, order.id);
        if (!stored) throw new Error(`order ${order.id} vanished`);
        if (stored.sagaMode === 'orchestration') await deps.orchestrator.start(tx, stored);
        return view(tx, stored);
      });
    },

    /**
     * Cancels a PENDING order and enqueues OrderCancelled; the participants compensate.
     * @throws {OrderNotFoundError}
     * @throws {OrderNotCancellableError} when the order is CONFIRMED or REJECTED.
     */
    async cancel(orderId: string): Promise<OrderView> {
      return withTransactionRecordingOutcomes(pool, async (tx) => {
        const order = await findOrder(tx, orderId, { forUpdate: true });
        if (!order) throw new OrderNotFoundError(orderId);
        const outcome = cancel(order);
        switch (outcome.kind) {
          case 'not-cancellable':
            throw new OrderNotCancellableError(orderId, order.status);
          case 'already-cancelled':
            return view(tx, order);
          case 'cancelled': {
            await saveStatus(tx, outcome.order);
            stageOutcome(order, 'CANCELLED');
            const message = messageOf(
              EVENTS.OrderCancelled,
              {
                orderId,
                reason: outcome.order.reason ?? '',
                sagaMode: toProtoSagaMode(order.sagaMode),
              },
              { key: orderId },
            );
            await appendTimeline(
              tx,
              orderId,
              {
                step: 'OrderCancelled',
                source: 'order',
                outcome: 'ok',
                detail: 'cancelled by the customer',
              },
              message.id,
            );
            // The cancellation joins the order's trace (linked to this request's trace), so
            // the compensations it starts do too.
            await withSpan('order.cancel', () => enqueue(tx, message), {
              ...inStoredTrace(order.traceParent),
              tracer: '@saga/order',
              attributes: { 'order.id': orderId, 'saga.mode': order.sagaMode },
            });
            const stored = await findOrder(tx, orderId);
            if (!stored) throw new OrderNotFoundError(orderId);
            if (stored.sagaMode === 'orchestration') await deps.orchestrator.onCancel(tx, stored);
            return view(tx, stored);
          }
        }
      });
    },

    /** @throws {OrderNotFoundError} */
    async get(orderId: string): Promise<OrderView> {
      const db = autocommit(pool);
      const order = await findOrder(db, orderId);
      if (!order) throw new OrderNotFoundError(orderId);
      return view(db, order);
    },

    /** Most recent first; `limit` is clamped to 1..500 (default 50). */
    async list(limit: number): Promise<OrderView[]> {
      const db = autocommit(pool);
      const n = limit > 0 ? Math.min(limit, 500) : 50;
      const orders = await listOrders(db, n);
      return Promise.all(orders.map((o) => view(db, o)));
    },
  };
}

/** The order use cases. */
export type OrderUseCases = ReturnType<typeof createOrderUseCases>;
