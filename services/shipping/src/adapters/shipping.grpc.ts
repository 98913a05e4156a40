import {
  type GetShipmentRequest,
  type GetShipmentResponse,
  ShippingServiceService,
} from '@saga/contracts/shipping';
import { autocommit } from '@saga/db';
import { Code, RpcError, type RpcServer, type UnaryHandler } from '@saga/rpc';
import type pg from 'pg';
import { InvalidShipmentQueryError, ShipmentNotFoundError } from '../app/shipment.errors.ts';
import type { ShipmentUseCases } from '../app/shipments.use-cases.ts';
import type { Shipment } from '../domain/shipment.domain.ts';

/** Full name of the service, for grpc.health.v1. */
export const SHIPPING_SERVICE_NAME = 'saga.shipping.v1.ShippingService';

/**
 * The one place shipping's errors become gRPC statuses. Anything unknown is rethrown as is: the
 * RPC server answers INTERNAL without its message.
 */
function toRpcError(err: unknown): unknown {
  if (err instanceof ShipmentNotFoundError) {
    return new RpcError(Code.NOT_FOUND, err.message, { cause: err });
  }
  if (err instanceof InvalidShipmentQueryError) {
    return new RpcError(Code.INVALID_ARGUMENT, err.message, { cause: err });
  }
  return err;
}

function toProto(s: Shipment): GetShipmentResponse['shipment'] {
  return {
    orderId: s.orderId,
    status: s.status,
    reason: s.reason ?? '',
    address: s.address,
    // The contract promises a date only while the shipment is scheduled.
    deliveryDate: s.status === 'SCHEDULED' ? (s.deliveryDate ?? '') : '',
  };
}

/** Adds ShippingService (read-only: shipments are scheduled through messages) to the server. */
export function addShippingService(
  rpc: RpcServer,
  pool: pg.Pool,
  shipments: Pick<ShipmentUseCases, 'getShipment'>,
): void {
  const db = autocommit(pool);
  // Keyed like the generated definition (camelCase); `satisfies` catches a misspelt method,
  // which grpc-js would otherwise answer UNIMPLEMENTED at run time.
  const handlers = {
    async getShipment(request): Promise<GetShipmentResponse> {
      const { orderId } = request as GetShipmentRequest;
      try {
        return { shipment: toProto(await shipments.getShipment(db, orderId)) };
      } catch (err) {
        throw toRpcError(err);
      }
    },
  } satisfies Record<keyof ShippingServiceService, UnaryHandler>;
  rpc.addService(SHIPPING_SERVICE_NAME, ShippingServiceService, handlers);
}
