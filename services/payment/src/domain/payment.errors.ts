/**
 * Errors of the payment context. Each has a stable `code`; the gRPC adapter maps them to status
 * codes in one place (payment.grpc.ts). Business outcomes a caller branches on (declined,
 * nothing to void) are not errors: they are the discriminated unions of the domain modules.
 */

/** A request the payment context refuses outright (gRPC INVALID_ARGUMENT). */
export class InvalidRequestError extends Error {
  readonly code = 'PAYMENT.INVALID_REQUEST';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidRequestError';
  }
}

/** No account with this id (gRPC NOT_FOUND). */
export class CustomerNotFoundError extends Error {
  readonly code = 'PAYMENT.CUSTOMER_NOT_FOUND';
  constructor(customerId: string, options?: { cause?: unknown }) {
    super(`customer ${customerId} not found`, options);
    this.name = 'CustomerNotFoundError';
  }
}

/** The account id is taken, with other values than asked for (gRPC ALREADY_EXISTS). */
export class CustomerExistsError extends Error {
  readonly code = 'PAYMENT.CUSTOMER_EXISTS';
  constructor(customerId: string, options?: { cause?: unknown }) {
    super(`customer ${customerId} already exists with different values`, options);
    this.name = 'CustomerExistsError';
  }
}

/** The order has no payment (gRPC NOT_FOUND). */
export class PaymentNotFoundError extends Error {
  readonly code = 'PAYMENT.NOT_FOUND';
  constructor(orderId: string, options?: { cause?: unknown }) {
    super(`order ${orderId} has no payment`, options);
    this.name = 'PaymentNotFoundError';
  }
}

/** Only a captured payment can be refunded (gRPC FAILED_PRECONDITION). */
export class PaymentNotRefundableError extends Error {
  readonly code = 'PAYMENT.NOT_REFUNDABLE';
  constructor(orderId: string, status: string, options?: { cause?: unknown }) {
    super(
      `the payment of order ${orderId} is ${status}; only a CAPTURED payment is refunded`,
      options,
    );
    this.name = 'PaymentNotRefundableError';
  }
}

/**
 * A capture was commanded for a payment that was never authorised, or whose authorisation was
 * voided or refused. The orchestrator sends CapturePayment only after PaymentAuthorized, so this
 * is a bug upstream, not an answer: the command handler throws it and the consumer retries, then
 * dead-letters the command.
 */
export class PaymentNotCapturableError extends Error {
  readonly code = 'PAYMENT.NOT_CAPTURABLE';
  constructor(orderId: string, status: string | undefined, options?: { cause?: unknown }) {
    super(
      status === undefined
        ? `order ${orderId} has no payment to capture`
        : `the payment of order ${orderId} is ${status}; only an AUTHORIZED payment is captured`,
      options,
    );
    this.name = 'PaymentNotCapturableError';
  }
}

/**
 * A movement would take an account below its credit limit (gRPC FAILED_PRECONDITION). Holds
 * make this impossible for captures; it guards refunds and any future movement.
 */
export class AccountLimitError extends Error {
  readonly code = 'PAYMENT.ACCOUNT_LIMIT';
  constructor(accountId: string, options?: { cause?: unknown }) {
    super(`account ${accountId} would go below its credit limit`, options);
    this.name = 'AccountLimitError';
  }
}
