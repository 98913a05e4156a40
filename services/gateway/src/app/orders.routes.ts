import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type {
  CancelOrderResponse,
  CreateOrderResponse,
  GetOrderResponse,
  GetSagaResponse,
  ListOrdersResponse,
} from '@saga/contracts/order';
import type { GetPaymentResponse } from '@saga/contracts/payment';
import type { GetShipmentResponse } from '@saga/contracts/shipping';
import { Type } from '@sinclair/typebox';
import { toCreateOrderRequest, toOrderDto } from '../adapters/mappers/order.mapper.ts';
import { toPaymentDto } from '../adapters/mappers/payment.mapper.ts';
import { required } from '../adapters/mappers/reply.errors.ts';
import { toShipmentDto } from '../adapters/mappers/shipping.mapper.ts';
import type { AppDeps } from '../app.ts';
import type { Config } from '../config.ts';
import { IdempotencyHeaders, LOCATION, problemResponses, ref, success } from './common.schemas.ts';
import { replyIdempotent } from './idempotent.reply.ts';
import {
  ListOrdersQuery,
  OrderAcceptedSchema,
  OrderIdParams,
  OrderSchema,
  PaymentSchema,
  PlaceOrderBody,
  SagaSchema,
  ShipmentSchema,
} from './order.schemas.ts';
import { deriveRequestId } from './request-id.ts';

const orderLocation = (orderId: string) => `/v1/orders/${encodeURIComponent(orderId)}`;

/** `/v1/orders`: place, read, list and cancel orders; an order's payment and shipment. */
export function orderRoutes(
  deps: AppDeps,
  config: Pick<Config, 'GRPC_WRITE_DEADLINE_MS'>,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/orders',
      {
        config: { resource: 'ORDER' },
        schema: {
          tags: ['orders'],
          summary: 'Place an order',
          description:
            'Starts the checkout saga and answers at once with 202; follow `Location` for the outcome. Requires an Idempotency-Key: a retry with the same key never places a second order.',
          headers: IdempotencyHeaders,
          body: PlaceOrderBody,
          response: {
            202: success(OrderAcceptedSchema, 'Accepted: the order is PENDING.', LOCATION),
            ...problemResponses(400, 409, 422, 503),
          },
        },
      },
      (request, reply) =>
        replyIdempotent(deps.idempotency, request, reply, async ({ clientId, key }) => {
          // Derived from the key, so the order service deduplicates a retried call: that makes
          // the call retryable (idempotencyKey) even though it creates something.
          const requestId = deriveRequestId(clientId, key);
          const res = await deps.order.call<CreateOrderResponse>(
            'createOrder',
            toCreateOrderRequest(request.body, requestId),
            { deadlineMs: config.GRPC_WRITE_DEADLINE_MS, idempotencyKey: requestId },
          );
          const order = toOrderDto(required(res.order, 'order'));
          return {
            status: 202,
            headers: { location: orderLocation(order.orderId) },
            body: {
              orderId: order.orderId,
              status: order.status,
              sagaMode: order.sagaMode,
              ...(order.traceId ? { traceId: order.traceId } : {}),
            },
          };
        }),
    );

    app.get(
      '/v1/orders/:orderId',
      {
        config: { resource: 'ORDER' },
        schema: {
          tags: ['orders'],
          summary: 'Get an order, with its saga timeline',
          params: OrderIdParams,
          response: {
            200: success(ref(OrderSchema), 'The order.'),
            ...problemResponses(400, 404, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.order.call<GetOrderResponse>('getOrder', {
          orderId: request.params.orderId,
        });
        return toOrderDto(required(res.order, 'order'));
      },
    );

    app.get(
      '/v1/orders',
      {
        config: { resource: 'ORDER' },
        schema: {
          tags: ['orders'],
          summary: 'List the most recent orders',
          querystring: ListOrdersQuery,
          response: {
            200: success(Type.Object({ orders: Type.Array(ref(OrderSchema)) }), 'Newest first.'),
            ...problemResponses(400, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.order.call<ListOrdersResponse>('listOrders', {
          limit: request.query.limit ?? 50,
        });
        return { orders: res.orders.map(toOrderDto) };
      },
    );

    app.delete(
      '/v1/orders/:orderId',
      {
        config: { resource: 'ORDER' },
        schema: {
          tags: ['orders'],
          summary: 'Cancel an order',
          description:
            'Cancels a PENDING order; the steps already done are compensated. 409 once the order is CONFIRMED or REJECTED; cancelling a CANCELLED order again succeeds.',
          params: OrderIdParams,
          response: {
            200: success(ref(OrderSchema), 'The order, CANCELLED.'),
            ...problemResponses(400, 404, 409, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.order.call<CancelOrderResponse>(
          'cancelOrder',
          { orderId: request.params.orderId },
          { deadlineMs: config.GRPC_WRITE_DEADLINE_MS },
        );
        return toOrderDto(required(res.order, 'order'));
      },
    );

    app.get(
      '/v1/orders/:orderId/payment',
      {
        config: { resource: 'PAYMENT' },
        schema: {
          tags: ['orders'],
          summary: "Get an order's payment",
          params: OrderIdParams,
          response: {
            200: success(ref(PaymentSchema), 'The payment.'),
            ...problemResponses(400, 404, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.payment.call<GetPaymentResponse>('getPayment', {
          orderId: request.params.orderId,
        });
        return toPaymentDto(required(res.payment, 'payment'));
      },
    );

    app.get(
      '/v1/orders/:orderId/saga',
      {
        config: { resource: 'SAGA' },
        schema: {
          tags: ['orders'],
          summary: "Get an orchestrated order's saga: its state machine's state and log",
          params: OrderIdParams,
          response: {
            200: success(ref(SagaSchema), 'The saga.'),
            ...problemResponses(400, 404, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.order.call<GetSagaResponse>('getSaga', {
          orderId: request.params.orderId,
        });
        const saga = required(res.saga, 'saga');
        return {
          orderId: saga.orderId,
          state: saga.state,
          ...(saga.deadlineAt ? { deadlineAt: saga.deadlineAt } : {}),
          attempt: saga.attempt,
          log: saga.log.map((l) => ({ ...l, commands: [...l.commands] })),
        };
      },
    );

    app.get(
      '/v1/orders/:orderId/shipment',
      {
        config: { resource: 'SHIPMENT' },
        schema: {
          tags: ['orders'],
          summary: "Get an order's shipment",
          params: OrderIdParams,
          response: {
            200: success(ref(ShipmentSchema), 'The shipment.'),
            ...problemResponses(400, 404, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.shipping.call<GetShipmentResponse>('getShipment', {
          orderId: request.params.orderId,
        });
        return toShipmentDto(required(res.shipment, 'shipment'));
      },
    );
  };
}
