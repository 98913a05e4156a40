import { InventoryServiceClient, type PriceItemsResponse } from '@saga/contracts/inventory';
import { Code, createRpcClient, type RpcClient, RpcError } from '@saga/rpc';
import { UnpriceableOrderError } from '../app/order.errors.ts';
import type { PriceItems } from '../app/orders.use-cases.ts';

/**
 * The inventory's gRPC client as the order service uses it: PriceItems is a read, so it is
 * retried (with backoff, jitter and the retry budget) and hedged; every call has a deadline and
 * goes through a circuit breaker (libs/rpc). `retryBudget: false` (RPC_RETRY_BUDGET=off) removes
 * the retry budget, only to show a retry storm (docs/chaos.md).
 */
export function createInventoryClient(
  address: string,
  deadlineMs: number,
  options: { readonly retryBudget?: boolean } = {},
): RpcClient {
  return createRpcClient(InventoryServiceClient, address, {
    dependency: 'inventory',
    defaultDeadlineMs: deadlineMs,
    idempotentMethods: ['priceItems', 'getProduct', 'listProducts'],
    ...(options.retryBudget === false ? { retry: { budget: false } } : {}),
    // A burst of orders queues for the inventory instead of failing at once; the queue is
    // bounded, and every queued call still has its deadline.
    bulkhead: { maxConcurrent: 32, queue: 512 },
  });
}

/**
 * Pricing through the inventory. An INVALID_ARGUMENT from the inventory (unknown SKU, bad
 * quantity) becomes {@link UnpriceableOrderError}; other failures propagate as they are (the
 * gRPC adapter answers UNAVAILABLE for them).
 */
export function inventoryPricing(client: RpcClient): PriceItems {
  return async (items) => {
    try {
      const res = await client.call<PriceItemsResponse>('priceItems', { items: [...items] });
      return res.items;
    } catch (err) {
      if (
        err instanceof RpcError &&
        (err.code === Code.INVALID_ARGUMENT || err.code === Code.NOT_FOUND)
      ) {
        throw new UnpriceableOrderError(err.message, { cause: err });
      }
      throw err;
    }
  };
}
