/** No order has this id (gRPC NOT_FOUND). */
export class OrderNotFoundError extends Error {
  readonly code = 'ORDER.NOT_FOUND';
  constructor(orderId: string) {
    super(`order ${orderId} not found`);
    this.name = 'OrderNotFoundError';
  }
}

/** The order is settled and can no longer be cancelled (gRPC FAILED_PRECONDITION). */
export class OrderNotCancellableError extends Error {
  readonly code = 'ORDER.NOT_CANCELLABLE';
  constructor(orderId: string, status: string) {
    super(`order ${orderId} is ${status} and can no longer be cancelled`);
    this.name = 'OrderNotCancellableError';
  }
}

/** A line the inventory cannot price: unknown SKU or bad quantity (gRPC INVALID_ARGUMENT). */
export class UnpriceableOrderError extends Error {
  readonly code = 'ORDER.UNPRICEABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnpriceableOrderError';
  }
}
