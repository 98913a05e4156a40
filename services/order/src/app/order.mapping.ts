import { SagaMode as ProtoSagaMode } from '@saga/contracts/common';
import { type Order as ProtoOrder, OrderStatus as ProtoStatus } from '@saga/contracts/order';
import type { OrderStatus, SagaMode } from '../domain/order.domain.ts';
import type { OrderView } from './orders.use-cases.ts';

const STATUS: Record<OrderStatus, ProtoStatus> = {
  PENDING: ProtoStatus.ORDER_STATUS_PENDING,
  CONFIRMED: ProtoStatus.ORDER_STATUS_CONFIRMED,
  REJECTED: ProtoStatus.ORDER_STATUS_REJECTED,
  CANCELLED: ProtoStatus.ORDER_STATUS_CANCELLED,
};

/** The contract's saga mode of a domain one. */
export function toProtoSagaMode(mode: SagaMode): ProtoSagaMode {
  return mode === 'orchestration'
    ? ProtoSagaMode.SAGA_MODE_ORCHESTRATION
    : ProtoSagaMode.SAGA_MODE_CHOREOGRAPHY;
}

/** The domain's saga mode of a contract one; UNSPECIFIED means "the configured default". */
export function fromProtoSagaMode(mode: ProtoSagaMode | undefined): SagaMode | undefined {
  switch (mode) {
    case ProtoSagaMode.SAGA_MODE_CHOREOGRAPHY:
      return 'choreography';
    case ProtoSagaMode.SAGA_MODE_ORCHESTRATION:
      return 'orchestration';
    default:
      return undefined;
  }
}

/** The contract's view of an order. */
export function toProtoOrder(order: OrderView): ProtoOrder {
  return {
    orderId: order.id,
    customerId: order.customerId,
    status: STATUS[order.status],
    reason: order.reason ?? '',
    reasonDetail: order.reasonDetail ?? '',
    items: order.items.map((i) => ({ ...i })),
    totalCents: order.totalCents,
    shippingAddress: { ...order.shippingAddress },
    sagaMode: toProtoSagaMode(order.sagaMode),
    timeline: order.timeline.map((t) => ({
      step: t.step,
      source: t.source,
      outcome: t.outcome,
      detail: t.detail,
      at: t.at,
      messageId: t.messageId ?? '',
    })),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    traceId: order.traceId ?? '',
  };
}
