import type { Attributes } from '@opentelemetry/api';

/**
 * `order.id` of a gRPC message of this platform, for the span of the call that carries it: the
 * message's `orderId`, or its `order`'s (CreateOrder's response), and nothing else; no other
 * field of a message ever reaches a span (they may hold personal or payment data).
 */
export function orderIdAttributes(message: unknown): Attributes {
  const m = message as { orderId?: unknown; order?: { orderId?: unknown } } | null | undefined;
  const id = typeof m?.orderId === 'string' ? m.orderId : m?.order?.orderId;
  return typeof id === 'string' && id ? { 'order.id': id } : {};
}
