/** A product to create breaks a catalogue rule (gRPC INVALID_ARGUMENT). */
export class InvalidProductError extends Error {
  readonly code = 'INVENTORY.INVALID_PRODUCT';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidProductError';
  }
}

/**
 * Order lines that cannot be priced or reserved: none at all, a missing SKU, a quantity below 1,
 * or an unknown SKU when pricing (gRPC INVALID_ARGUMENT). In a message it makes the message
 * poison: no retry can fix it.
 */
export class InvalidItemsError extends Error {
  readonly code = 'INVENTORY.INVALID_ITEMS';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidItemsError';
  }
}

/** No product has this SKU (gRPC NOT_FOUND). */
export class ProductNotFoundError extends Error {
  readonly code = 'INVENTORY.PRODUCT_NOT_FOUND';
  constructor(sku: string) {
    super(`product ${sku} not found`);
    this.name = 'ProductNotFoundError';
  }
}

/** The SKU is taken by a product with other values (gRPC ALREADY_EXISTS). */
export class ProductConflictError extends Error {
  readonly code = 'INVENTORY.PRODUCT_CONFLICT';
  constructor(sku: string) {
    super(`product ${sku} already exists with different values`);
    this.name = 'ProductConflictError';
  }
}

/**
 * An order was confirmed (OrderConfirmed, CommitStock) whose stock is not reserved. Both saga
 * styles make this impossible (an order is confirmed only after its stock was reserved and
 * nothing released it), so the message is kept in the dead-letter topic for someone to look at
 * rather than acknowledged or answered.
 */
export class ReservationNotCommittableError extends Error {
  readonly code = 'INVENTORY.RESERVATION_NOT_COMMITTABLE';
  constructor(orderId: string, status: string) {
    super(`the reservation of order ${orderId} is ${status} and cannot be committed`);
    this.name = 'ReservationNotCommittableError';
  }
}

/**
 * Stock figures that contradict a reservation (e.g. fewer units reserved than it holds): the
 * stored state is corrupt, so nothing is written.
 */
export class StockInvariantError extends Error {
  readonly code = 'INVENTORY.STOCK_INVARIANT';
  constructor(message: string) {
    super(message);
    this.name = 'StockInvariantError';
  }
}
