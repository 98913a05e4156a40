/**
 * The gRPC face of the payment context (saga.payment.v1.PaymentService). Requests arrive decoded
 * by the generated service definition; domain errors become status codes here and only here.
 */
import type {
  CreateCustomerRequest,
  CreateCustomerResponse,
  Customer,
  GetCustomerRequest,
  GetCustomerResponse,
  GetPaymentRequest,
  GetPaymentResponse,
  Payment as PaymentMessage,
  RefundPaymentRequest,
  RefundPaymentResponse,
} from '@saga/contracts/payment';
import { Code, RpcError, type UnaryHandler } from '@saga/rpc';
import type { AdminUseCases } from '../app/admin.use-cases.ts';
import { type Account, availableOf } from '../domain/account.domain.ts';
import type { Payment } from '../domain/payment.domain.ts';
import {
  AccountLimitError,
  CustomerExistsError,
  CustomerNotFoundError,
  InvalidRequestError,
  PaymentNotFoundError,
  PaymentNotRefundableError,
} from '../domain/payment.errors.ts';

/** The full name of the service, for registration and health. */
export const PAYMENT_SERVICE_NAME = 'saga.payment.v1.PaymentService';

/** The status code of each domain error; anything else becomes INTERNAL in the rpc server. */
const STATUS_OF_ERROR: readonly (readonly [abstract new (...args: never[]) => Error, number])[] = [
  [InvalidRequestError, Code.INVALID_ARGUMENT],
  [CustomerNotFoundError, Code.NOT_FOUND],
  [PaymentNotFoundError, Code.NOT_FOUND],
  [CustomerExistsError, Code.ALREADY_EXISTS],
  [PaymentNotRefundableError, Code.FAILED_PRECONDITION],
  [AccountLimitError, Code.FAILED_PRECONDITION],
];

function toRpcError(err: unknown): unknown {
  const status = STATUS_OF_ERROR.find(([type]) => err instanceof type)?.[1];
  return status === undefined ? err : new RpcError(status, (err as Error).message, { cause: err });
}

function toCustomer(account: Account): Customer {
  return {
    customerId: account.id,
    name: account.name,
    balanceCents: account.balanceCents,
    heldCents: account.heldCents,
    creditLimitCents: account.creditLimitCents,
    availableCents: availableOf(account),
  };
}

function toPayment(payment: Payment): PaymentMessage {
  return {
    orderId: payment.orderId,
    customerId: payment.customerId ?? '',
    amountCents: payment.amountCents,
    status: payment.status,
    reason: payment.reason ?? '',
  };
}

/** A handler whose failures go through {@link toRpcError}. */
function handler<Req, Res>(fn: (request: Req) => Promise<Res>): UnaryHandler {
  return async (request) => {
    try {
      return await fn(request as Req);
    } catch (err) {
      throw toRpcError(err);
    }
  };
}

/**
 * The PaymentService handlers, keyed by the method names of the generated service definition
 * (`PaymentServiceService`).
 */
export function createPaymentGrpcHandlers(admin: AdminUseCases): Record<string, UnaryHandler> {
  return {
    getCustomer: handler<GetCustomerRequest, GetCustomerResponse>(async (req) => ({
      customer: toCustomer(await admin.getCustomer(req.customerId)),
    })),
    createCustomer: handler<CreateCustomerRequest, CreateCustomerResponse>(async (req) => ({
      customer: toCustomer(
        await admin.createCustomer({
          id: req.customerId,
          name: req.name,
          balanceCents: req.balanceCents,
          creditLimitCents: req.creditLimitCents,
        }),
      ),
    })),
    getPayment: handler<GetPaymentRequest, GetPaymentResponse>(async (req) => ({
      payment: toPayment(await admin.getPayment(req.orderId)),
    })),
    refundPayment: handler<RefundPaymentRequest, RefundPaymentResponse>(async (req) => ({
      payment: toPayment(await admin.refundPayment(req.orderId)),
    })),
  };
}
