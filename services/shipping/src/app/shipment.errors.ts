/** The order has no shipment (gRPC NOT_FOUND). */
export class ShipmentNotFoundError extends Error {
  readonly code = 'SHIPPING.SHIPMENT_NOT_FOUND';
  constructor(orderId: string) {
    super(`order ${orderId} has no shipment`);
    this.name = 'ShipmentNotFoundError';
  }
}

/** A query the shipping service refuses outright (gRPC INVALID_ARGUMENT). */
export class InvalidShipmentQueryError extends Error {
  readonly code = 'SHIPPING.INVALID_QUERY';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidShipmentQueryError';
  }
}
