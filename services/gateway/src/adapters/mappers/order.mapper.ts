import type { SagaMode } from '@saga/contracts/common';
import type { CreateOrderRequest, Order, OrderStatus } from '@saga/contracts/order';
import { type AddressDto, CURRENCY, optional, toAddressDto } from './address.mapper.ts';
import { required, UnexpectedReplyError } from './reply.errors.ts';

/** Order statuses as the API names them. */
export type OrderStatusName = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
/** Saga styles as the API names them. */
export type SagaModeName = 'choreography' | 'orchestration';

/** One step of the checkout saga, as `GET /v1/orders/{id}` shows it. */
export type TimelineEntryDto = {
  readonly step: string;
  readonly source: string;
  readonly outcome: string;
  readonly detail: string;
  readonly at: string;
};

/** An order as the API shows it. */
export type OrderDto = {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatusName;
  readonly reason?: string;
  readonly reasonDetail?: string;
  readonly items: {
    readonly sku: string;
    readonly quantity: number;
    readonly unitPriceCents: number;
  }[];
  readonly totalCents: number;
  readonly currency: typeof CURRENCY;
  readonly shippingAddress: AddressDto;
  readonly sagaMode: SagaModeName;
  readonly timeline: TimelineEntryDto[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Trace of the request that placed the order (Jaeger); absent when telemetry was off. */
  readonly traceId?: string;
};

/** What `POST /v1/orders` asks for (already validated against its schema). */
export type PlaceOrderInput = {
  readonly customerId: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
  readonly shippingAddress: AddressDto;
  readonly sagaMode?: SagaModeName;
};

const STATUS: Readonly<Partial<Record<OrderStatus, OrderStatusName>>> = {
  ORDER_STATUS_PENDING: 'PENDING',
  ORDER_STATUS_CONFIRMED: 'CONFIRMED',
  ORDER_STATUS_REJECTED: 'REJECTED',
  ORDER_STATUS_CANCELLED: 'CANCELLED',
};

const MODE: Readonly<Partial<Record<SagaMode, SagaModeName>>> = {
  SAGA_MODE_CHOREOGRAPHY: 'choreography',
  SAGA_MODE_ORCHESTRATION: 'orchestration',
};

const MODE_OUT: Readonly<Record<SagaModeName, SagaMode>> = {
  choreography: 'SAGA_MODE_CHOREOGRAPHY',
  orchestration: 'SAGA_MODE_ORCHESTRATION',
};

/** `ORDER_STATUS_CONFIRMED` → `CONFIRMED`. @throws {UnexpectedReplyError} for UNSPECIFIED. */
export function toOrderStatusName(status: OrderStatus): OrderStatusName {
  const name = STATUS[status];
  if (!name) throw new UnexpectedReplyError(`order status ${status}`);
  return name;
}

/** `SAGA_MODE_ORCHESTRATION` → `orchestration`. @throws {UnexpectedReplyError} for UNSPECIFIED. */
export function toSagaModeName(mode: SagaMode): SagaModeName {
  const name = MODE[mode];
  if (!name) throw new UnexpectedReplyError(`saga mode ${mode}`);
  return name;
}

/** The order service's order as the API shows it; empty reasons are left out. */
export function toOrderDto(order: Order): OrderDto {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: toOrderStatusName(order.status),
    ...optional('reason', order.reason),
    ...optional('reasonDetail', order.reasonDetail),
    items: order.items.map((i) => ({
      sku: i.sku,
      quantity: i.quantity,
      unitPriceCents: i.unitPriceCents,
    })),
    totalCents: order.totalCents,
    currency: CURRENCY,
    shippingAddress: toAddressDto(required(order.shippingAddress, 'shipping address')),
    sagaMode: toSagaModeName(order.sagaMode),
    timeline: order.timeline.map((t) => ({
      step: t.step,
      source: t.source,
      outcome: t.outcome,
      detail: t.detail,
      at: t.at,
    })),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    ...optional('traceId', order.traceId),
  };
}

/** The CreateOrder request for a validated `POST /v1/orders` body. */
export function toCreateOrderRequest(
  input: PlaceOrderInput,
  requestId: string,
): CreateOrderRequest {
  return {
    requestId,
    customerId: input.customerId,
    items: input.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
    shippingAddress: { ...input.shippingAddress },
    sagaMode: input.sagaMode ? MODE_OUT[input.sagaMode] : 'SAGA_MODE_UNSPECIFIED',
  };
}
