import type {
  CancelOrderRequest,
  CreateOrderRequest,
  GetOrderRequest,
  ListOrdersRequest,
} from '@saga/contracts/order';
import { OrderServiceService } from '@saga/contracts/order';
import { Code, RpcError, type RpcServer } from '@saga/rpc';
import {
  OrderNotCancellableError,
  OrderNotFoundError,
  UnpriceableOrderError,
} from '../app/order.errors.ts';
import { fromProtoSagaMode, toProtoOrder } from '../app/order.mapping.ts';
import type { OrderUseCases } from '../app/orders.use-cases.ts';
import { InvalidOrderError } from '../domain/order.domain.ts';

/** The one place order errors become gRPC statuses. */
function toRpcError(err: unknown): unknown {
  if (err instanceof OrderNotFoundError) return new RpcError(Code.NOT_FOUND, err.message);
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

/** Serves saga.order.v1.OrderService from the use cases. */
export function addOrderService(server: RpcServer, orders: OrderUseCases): void {
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
  });
}
