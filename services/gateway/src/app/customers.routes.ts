import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CreateCustomerResponse, GetCustomerResponse } from '@saga/contracts/payment';
import { toCreateCustomerRequest, toCustomerDto } from '../adapters/mappers/payment.mapper.ts';
import { required } from '../adapters/mappers/reply.errors.ts';
import type { AppDeps } from '../app.ts';
import type { Config } from '../config.ts';
import { IdempotencyHeaders, LOCATION, problemResponses, ref, success } from './common.schemas.ts';
import { CreateCustomerBody, CustomerIdParams, CustomerSchema } from './customer.schemas.ts';
import { replyIdempotent } from './idempotent.reply.ts';
import { deriveRequestId } from './request-id.ts';

/** `/v1/customers`: customer accounts (payment service). */
export function customerRoutes(
  deps: AppDeps,
  config: Pick<Config, 'GRPC_WRITE_DEADLINE_MS'>,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/customers/:customerId',
      {
        config: { resource: 'CUSTOMER' },
        schema: {
          tags: ['customers'],
          summary: "Get a customer's account",
          params: CustomerIdParams,
          response: {
            200: success(ref(CustomerSchema), 'The account.'),
            ...problemResponses(400, 404, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.payment.call<GetCustomerResponse>('getCustomer', {
          customerId: request.params.customerId,
        });
        return toCustomerDto(required(res.customer, 'customer'));
      },
    );

    app.post(
      '/v1/customers',
      {
        config: { resource: 'CUSTOMER' },
        schema: {
          tags: ['customers'],
          summary: 'Open a customer account',
          description:
            'Requires an Idempotency-Key. Without `customerId` the gateway chooses one (`cust_<uuid>`); a retry with the same key gets the same customer.',
          headers: IdempotencyHeaders,
          body: CreateCustomerBody,
          response: {
            201: success(
              ref(CustomerSchema),
              'Opened (or already open with these values).',
              LOCATION,
            ),
            ...problemResponses(400, 409, 422, 503),
          },
        },
      },
      (request, reply) =>
        replyIdempotent(deps.idempotency, request, reply, async ({ clientId, key }) => {
          const { customerId, ...rest } = request.body;
          const input = { ...rest, customerId: customerId ?? `cust_${randomUUID()}` };
          const res = await deps.payment.call<CreateCustomerResponse>(
            'createCustomer',
            toCreateCustomerRequest(input),
            // CreateCustomer is idempotent by contract (same values again succeed): retryable.
            {
              deadlineMs: config.GRPC_WRITE_DEADLINE_MS,
              idempotencyKey: deriveRequestId(clientId, key),
            },
          );
          const customer = toCustomerDto(required(res.customer, 'customer'));
          return {
            status: 201,
            headers: { location: `/v1/customers/${encodeURIComponent(customer.customerId)}` },
            body: customer,
          };
        }),
    );
  };
}
