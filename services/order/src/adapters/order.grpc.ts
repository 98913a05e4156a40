import type {
  CancelOrderRequest,
  CreateOrderRequest,
  GetOrderRequest,
  GetSagaRequest,
  ListOrdersRequest,
  Saga as ProtoSaga,
  RetrySagaRequest,
} from '@saga/contracts/order';
import { OrderServiceService } from '@saga/contracts/order';
import { Code, RpcError, type RpcServer } from '@saga/rpc';
import {
  type Orchestrator,
  SagaNotFoundError,
  SagaNotParkedError,
  type SagaView,
} from '../app/orchestrator.ts';
import {
  OrderNotCancellableError,
  OrderNotFoundError,
  UnpriceableOrderError,
} from '../app/order.errors.ts';
import { fromProtoSagaMode, toProtoOrder } from '../app/order.mapping.ts';
import type { OrderUseCases } from '../app/orders.use-cases.ts';
import { stateName } from '../domain/checkout-saga.machine.ts';
import { InvalidOrderError } from '../domain/order.domain.ts';

/** The one place order errors become gRPC statuses. */
function toRpcError(err: unknown): unknown {
  if (err instanceof OrderNotFoundError || err instanceof SagaNotFoundError) {
    return new RpcError(Code.NOT_FOUND, err.message);
  }
  if (err instanceof SagaNotParkedError) return new RpcError(Code.FAILED_PRECONDITION, err.message);
  if (err instanceof OrderNotCancellableError) {
    return new RpcError(Code.FAILED_PRECONDITION, err.message);
  }
  if (err instanceof InvalidOrderError || err instanceof UnpriceableOrderError) {
    return new RpcError(Code.INVALID_ARGUMENT, err.message);
  }
  if (err instanceof RpcError) {
    // A dependency's failure (the inventory timed out, its breaker is open): tell the caller
    // to come back later, without passing on the dependency's details.
    return new RpcError(Code.UNAVAILABLE, 'a dependency of the order service is unavailable');
  }
  return err;
}

function mapped<Req, Res>(fn: (req: Req) => Promise<Res>) {
  return async (req: unknown) => {
    try {
      return await fn(req as Req);
    } catch (err) {
      throw toRpcError(err);
    }
  };
}

function toProtoSaga(saga: SagaView): ProtoSaga {
  return {
    orderId: saga.orderId,
    state: stateName(saga.state),
    deadlineAt: saga.deadlineAt === undefined ? '' : new Date(saga.deadlineAt).toISOString(),
    attempt: saga.attempt,
    log: saga.log.map((l) => ({
      input: l.input,
      fromState: l.fromState,
      toState: l.toState,
      commands: [...l.commands],
      at: l.at,
    })),
  };
}

/** Serves saga.order.v1.OrderService from the use cases. */
export function addOrderService(
  server: RpcServer,
  orders: OrderUseCases,
  orchestrator: Orchestrator,
): void {
  server.addService('saga.order.v1.OrderService', OrderServiceService, {
    createOrder: mapped(async (req: CreateOrderRequest) => {
      if (!req.requestId.trim()) throw new InvalidOrderError('requestId is required');
      const order = await orders.place({
        requestId: req.requestId,
        customerId: req.customerId,
        items: req.items,
        shippingAddress: req.shippingAddress,
        sagaMode: fromProtoSagaMode(req.sagaMode),
      });
      return { order: toProtoOrder(order) };
    }),
    getOrder: mapped(async (req: GetOrderRequest) => ({
      order: toProtoOrder(await orders.get(req.orderId)),
    })),
    cancelOrder: mapped(async (req: CancelOrderRequest) => ({
      order: toProtoOrder(await orders.cancel(req.orderId)),
    })),
    listOrders: mapped(async (req: ListOrdersRequest) => ({
      orders: (await orders.list(req.limit)).map(toProtoOrder),
    })),
    getSaga: mapped(async (req: GetSagaRequest) => ({
      saga: toProtoSaga(await orchestrator.get(req.orderId)),
    })),
    retrySaga: mapped(async (req: RetrySagaRequest) => ({
      saga: toProtoSaga(await orchestrator.retry(req.orderId)),
    })),
  });
}
