import type { CreateCustomerRequest, Customer, Payment } from '@saga/contracts/payment';
import { CURRENCY, optional } from './address.mapper.ts';

/** A customer account, as the API shows it. */
export type CustomerDto = {
  readonly customerId: string;
  readonly name: string;
  readonly balanceCents: number;
  readonly heldCents: number;
  readonly creditLimitCents: number;
  readonly availableCents: number;
  readonly currency: typeof CURRENCY;
};

/** The payment of an order, as the API shows it. */
export type PaymentDto = {
  readonly orderId: string;
  readonly customerId: string;
  readonly amountCents: number;
  readonly currency: typeof CURRENCY;
  readonly status: string;
  readonly reason?: string;
};

/** What `POST /v1/customers` asks for; the id is chosen by the gateway when absent. */
export type CreateCustomerInput = {
  readonly customerId: string;
  readonly name: string;
  readonly balanceCents: number;
  readonly creditLimitCents: number;
};

export function toCustomerDto(customer: Customer): CustomerDto {
  return {
    customerId: customer.customerId,
    name: customer.name,
    balanceCents: customer.balanceCents,
    heldCents: customer.heldCents,
    creditLimitCents: customer.creditLimitCents,
    availableCents: customer.availableCents,
    currency: CURRENCY,
  };
}

export function toPaymentDto(payment: Payment): PaymentDto {
  return {
    orderId: payment.orderId,
    customerId: payment.customerId,
    amountCents: payment.amountCents,
    currency: CURRENCY,
    status: payment.status,
    ...optional('reason', payment.reason),
  };
}

export function toCreateCustomerRequest(input: CreateCustomerInput): CreateCustomerRequest {
  return {
    customerId: input.customerId,
    name: input.name,
    balanceCents: input.balanceCents,
    creditLimitCents: input.creditLimitCents,
  };
}
