import { Type } from '@sinclair/typebox';
import { AddressSchema, CurrencySchema, stringEnum } from './common.schemas.ts';

export const OrderIdParams = Type.Object({
  orderId: Type.String({ minLength: 1, maxLength: 128 }),
});

const SagaModeSchema = stringEnum(['choreography', 'orchestration'], {
  description: 'How the checkout saga is coordinated.',
});

export const PlaceOrderBody = Type.Object(
  {
    customerId: Type.String({ minLength: 1, maxLength: 128 }),
    items: Type.Array(
      Type.Object(
        {
          sku: Type.String({ minLength: 1, maxLength: 64 }),
          quantity: Type.Integer({ minimum: 1, maximum: 1_000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
    shippingAddress: AddressSchema,
    sagaMode: Type.Optional(SagaModeSchema),
  },
  { additionalProperties: false },
);

export const OrderStatusSchema = stringEnum(['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED']);

const TraceIdSchema = Type.Optional(
  Type.String({
    description:
      'W3C trace id of the request that placed the order: every span of its checkout saga is in this one trace (Jaeger). Absent when telemetry was off.',
  }),
);

export const OrderAcceptedSchema = Type.Object({
  orderId: Type.String(),
  status: OrderStatusSchema,
  sagaMode: SagaModeSchema,
  traceId: TraceIdSchema,
});

export const OrderSchema = Type.Object(
  {
    orderId: Type.String(),
    customerId: Type.String(),
    status: OrderStatusSchema,
    reason: Type.Optional(
      Type.String({
        description: 'Why a REJECTED or CANCELLED order ended so, e.g. OUT_OF_STOCK.',
      }),
    ),
    reasonDetail: Type.Optional(Type.String()),
    items: Type.Array(
      Type.Object({
        sku: Type.String(),
        quantity: Type.Integer(),
        unitPriceCents: Type.Integer(),
      }),
    ),
    totalCents: Type.Integer(),
    currency: CurrencySchema,
    shippingAddress: AddressSchema,
    sagaMode: SagaModeSchema,
    timeline: Type.Array(
      Type.Object({
        step: Type.String({ description: 'e.g. StockReserved.' }),
        source: Type.String({ description: 'order, inventory, payment or shipping.' }),
        outcome: Type.String({ description: 'ok, failed or compensated.' }),
        detail: Type.String(),
        at: Type.String({ description: 'ISO 8601.' }),
      }),
      { description: "The checkout saga's steps, oldest first." },
    ),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    traceId: TraceIdSchema,
  },
  { $id: 'Order' },
);

export const ListOrdersQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});

export const PaymentSchema = Type.Object(
  {
    orderId: Type.String(),
    customerId: Type.String(),
    amountCents: Type.Integer(),
    currency: CurrencySchema,
    status: Type.String({
      description: 'AUTHORIZED, DECLINED, CAPTURED, VOIDED, REFUNDED or REFUSED.',
    }),
    reason: Type.Optional(Type.String()),
  },
  { $id: 'Payment' },
);

export const ShipmentSchema = Type.Object(
  {
    orderId: Type.String(),
    status: Type.String({ description: 'SCHEDULED, REJECTED, CANCELLED or REFUSED.' }),
    reason: Type.Optional(Type.String()),
    address: Type.Optional(AddressSchema),
    deliveryDate: Type.Optional(
      Type.String({ description: 'Planned delivery (ISO 8601 date) of a SCHEDULED shipment.' }),
    ),
  },
  { $id: 'Shipment' },
);

export const SagaSchema = Type.Object(
  {
    orderId: Type.String(),
    state: Type.String({
      description:
        'RESERVING, AUTHORIZING, SCHEDULING, FINALIZING, COMPENSATING, COMPLETED, COMPENSATED or FAILED_COMPENSATION.',
    }),
    deadlineAt: Type.Optional(
      Type.String({ description: 'When the step in flight is given up (ISO 8601).' }),
    ),
    attempt: Type.Integer({ description: 'Attempts of the command(s) in flight.' }),
    log: Type.Array(
      Type.Object({
        input: Type.String({ description: 'A reply type, Start, Timeout, Cancel or Retry.' }),
        fromState: Type.String(),
        toState: Type.String(),
        commands: Type.Array(Type.String()),
        at: Type.String(),
      }),
    ),
  },
  { $id: 'Saga' },
);
