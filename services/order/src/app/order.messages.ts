import type { OrderPlaced } from '@saga/contracts/order';
import type { Order } from '../domain/order.domain.ts';
import { toProtoSagaMode } from './order.mapping.ts';

/** The OrderPlaced event of a new order: everything the participants need to settle it. */
export function toOrderPlaced(order: Order): OrderPlaced {
  return {
    orderId: order.id,
    customerId: order.customerId,
    items: order.items.map((i) => ({ ...i })),
    totalCents: order.totalCents,
    shippingAddress: { ...order.shippingAddress },
    sagaMode: toProtoSagaMode(order.sagaMode),
  };
}
