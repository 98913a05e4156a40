import * as inventory from './gen/saga/inventory/v1/inventory.ts';
import * as order from './gen/saga/order/v1/order.ts';
import * as payment from './gen/saga/payment/v1/payment.ts';
import * as shipping from './gen/saga/shipping/v1/shipping.ts';
import { defineMessage } from './messages.ts';

/**
 * Topic names. One events topic per bounded context, one commands topic per participant of the
 * orchestrated saga, one reply topic for the orchestrator. Messages are keyed by order id, so one
 * checkout's messages stay in order within a topic. Every topic has a `<topic>.dlq`.
 */
export const TOPICS = {
  orderEvents: 'order.events.v1',
  inventoryEvents: 'inventory.events.v1',
  paymentEvents: 'payment.events.v1',
  shippingEvents: 'shipping.events.v1',
  inventoryCommands: 'inventory.commands.v1',
  paymentCommands: 'payment.commands.v1',
  shippingCommands: 'shipping.commands.v1',
  sagaReplies: 'order.saga-replies.v1',
} as const;

/** Every topic, for provisioning (`ensureTopics`). */
export const ALL_TOPICS: readonly string[] = Object.values(TOPICS);

const id = ['orderId'] as const;

/** Events: facts, published by the context that owns them. */
export const EVENTS = {
  OrderPlaced: defineMessage({
    type: 'OrderPlaced',
    version: 1,
    topic: TOPICS.orderEvents,
    codec: order.OrderPlaced,
    required: ['orderId', 'customerId'],
  }),
  OrderConfirmed: defineMessage({
    type: 'OrderConfirmed',
    version: 1,
    topic: TOPICS.orderEvents,
    codec: order.OrderConfirmed,
    required: id,
  }),
  OrderRejected: defineMessage({
    type: 'OrderRejected',
    version: 1,
    topic: TOPICS.orderEvents,
    codec: order.OrderRejected,
    required: ['orderId', 'reason'],
  }),
  OrderCancelled: defineMessage({
    type: 'OrderCancelled',
    version: 1,
    topic: TOPICS.orderEvents,
    codec: order.OrderCancelled,
    required: id,
  }),
  StockReserved: defineMessage({
    type: 'StockReserved',
    version: 1,
    topic: TOPICS.inventoryEvents,
    codec: inventory.StockReserved,
    required: ['orderId', 'customerId'],
  }),
  StockRejected: defineMessage({
    type: 'StockRejected',
    version: 1,
    topic: TOPICS.inventoryEvents,
    codec: inventory.StockRejected,
    required: ['orderId', 'reason'],
  }),
  StockReleased: defineMessage({
    type: 'StockReleased',
    version: 1,
    topic: TOPICS.inventoryEvents,
    codec: inventory.StockReleased,
    required: id,
  }),
  StockCommitted: defineMessage({
    type: 'StockCommitted',
    version: 1,
    topic: TOPICS.inventoryEvents,
    codec: inventory.StockCommitted,
    required: id,
  }),
  PaymentAuthorized: defineMessage({
    type: 'PaymentAuthorized',
    version: 1,
    topic: TOPICS.paymentEvents,
    codec: payment.PaymentAuthorized,
    required: ['orderId', 'customerId'],
  }),
  PaymentDeclined: defineMessage({
    type: 'PaymentDeclined',
    version: 1,
    topic: TOPICS.paymentEvents,
    codec: payment.PaymentDeclined,
    required: ['orderId', 'reason'],
  }),
  PaymentVoided: defineMessage({
    type: 'PaymentVoided',
    version: 1,
    topic: TOPICS.paymentEvents,
    codec: payment.PaymentVoided,
    required: id,
  }),
  PaymentCaptured: defineMessage({
    type: 'PaymentCaptured',
    version: 1,
    topic: TOPICS.paymentEvents,
    codec: payment.PaymentCaptured,
    required: id,
  }),
  PaymentRefunded: defineMessage({
    type: 'PaymentRefunded',
    version: 1,
    topic: TOPICS.paymentEvents,
    codec: payment.PaymentRefunded,
    required: id,
  }),
  ShipmentScheduled: defineMessage({
    type: 'ShipmentScheduled',
    version: 1,
    topic: TOPICS.shippingEvents,
    codec: shipping.ShipmentScheduled,
    required: id,
  }),
  ShipmentRejected: defineMessage({
    type: 'ShipmentRejected',
    version: 1,
    topic: TOPICS.shippingEvents,
    codec: shipping.ShipmentRejected,
    required: ['orderId', 'reason'],
  }),
  ShipmentCancelled: defineMessage({
    type: 'ShipmentCancelled',
    version: 1,
    topic: TOPICS.shippingEvents,
    codec: shipping.ShipmentCancelled,
    required: id,
  }),
} as const;

/**
 * Commands of the orchestrated saga: requests to one participant, which replies with the
 * matching event on the command's `replyTo` topic.
 */
export const COMMANDS = {
  ReserveStock: defineMessage({
    type: 'ReserveStock',
    version: 1,
    topic: TOPICS.inventoryCommands,
    codec: inventory.ReserveStock,
    required: ['orderId', 'customerId', 'replyTo'],
  }),
  ReleaseStock: defineMessage({
    type: 'ReleaseStock',
    version: 1,
    topic: TOPICS.inventoryCommands,
    codec: inventory.ReleaseStock,
    required: ['orderId', 'replyTo'],
  }),
  CommitStock: defineMessage({
    type: 'CommitStock',
    version: 1,
    topic: TOPICS.inventoryCommands,
    codec: inventory.CommitStock,
    required: ['orderId', 'replyTo'],
  }),
  AuthorizePayment: defineMessage({
    type: 'AuthorizePayment',
    version: 1,
    topic: TOPICS.paymentCommands,
    codec: payment.AuthorizePayment,
    required: ['orderId', 'customerId', 'replyTo'],
  }),
  VoidPayment: defineMessage({
    type: 'VoidPayment',
    version: 1,
    topic: TOPICS.paymentCommands,
    codec: payment.VoidPayment,
    required: ['orderId', 'replyTo'],
  }),
  CapturePayment: defineMessage({
    type: 'CapturePayment',
    version: 1,
    topic: TOPICS.paymentCommands,
    codec: payment.CapturePayment,
    required: ['orderId', 'replyTo'],
  }),
  ScheduleShipment: defineMessage({
    type: 'ScheduleShipment',
    version: 1,
    topic: TOPICS.shippingCommands,
    codec: shipping.ScheduleShipment,
    required: ['orderId', 'replyTo'],
  }),
  CancelShipment: defineMessage({
    type: 'CancelShipment',
    version: 1,
    topic: TOPICS.shippingCommands,
    codec: shipping.CancelShipment,
    required: ['orderId', 'replyTo'],
  }),
} as const;
