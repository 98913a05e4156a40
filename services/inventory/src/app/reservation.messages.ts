import type { StockReserved } from '@saga/contracts/inventory';

/**
 * The StockReserved of an order, from the message that asked for the reservation (OrderPlaced in
 * choreography, ReserveStock in orchestration): it carries the customer, amount, address and
 * lines, so payment authorises from it alone (event-carried state, ADR 0006). Only these fields
 * are copied: the asking message's own (`sagaMode`, `replyTo`) are not part of the event.
 */
export function toStockReserved(order: StockReserved): StockReserved {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    totalCents: order.totalCents,
    shippingAddress: order.shippingAddress,
    items: order.items,
  };
}
