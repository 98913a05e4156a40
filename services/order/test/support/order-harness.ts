/**
 * The order service booted in-process for a component test: a throwaway schema of the real
 * order database, a scripted stand-in for the inventory's PriceItems, `buildApp` started on
 * ephemeral ports, and an OrderService client. No Kafka (`messaging: false`): a test hands
 * messages to a consumer route with `app.deliver(...)` and reads what was sent from the outbox.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MessageDef } from '@saga/contracts';
import { type Address, type LineItem, SagaMode } from '@saga/contracts/common';
import {
  InventoryServiceService,
  type PriceItemsRequest,
  type PriceItemsResponse,
} from '@saga/contracts/inventory';
import {
  type CreateOrderRequest,
  type CreateOrderResponse,
  type GetOrderResponse,
  type Order,
  OrderServiceClient,
} from '@saga/contracts/order';
import type { Envelope } from '@saga/messaging';
import {
  Code,
  createRpcClient,
  createRpcServer,
  type RpcClient,
  RpcError,
  type RpcServer,
} from '@saga/rpc';
import type { ServiceHost } from '@saga/service-host';
import { createLogger } from '@saga/service-kit';
import { inSchema, testStack } from '@saga/testkit';
import pg from 'pg';
import { createInventoryClient } from '../../src/adapters/inventory.client.ts';
import { buildApp } from '../../src/app.ts';
import type { OrderConfig } from '../../src/config.ts';

/** The shipping address of every test order. */
export const address: Address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

/** A new order by `cust_alice` (one SKU-BOOK, the service's default saga mode), with overrides. */
export function orderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
  return {
    requestId: randomUUID(),
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    shippingAddress: address,
    sagaMode: SagaMode.SAGA_MODE_UNSPECIFIED,
    ...overrides,
  };
}

/** A message as Kafka would hand it to a consumer route, keyed and correlated by its order. */
export function envelope<T extends { orderId: string }>(
  def: MessageDef<T>,
  payload: T,
  id: string = randomUUID(),
): Envelope<unknown> {
  return {
    id,
    type: def.type,
    version: def.version,
    key: payload.orderId,
    correlationId: payload.orderId,
    occurredAt: new Date().toISOString(),
    payload: def.codec.toJSON(payload),
  };
}

/** The config values a test may change; the database and inventory address are the harness's. */
export type OrderHarnessConfig = Partial<Omit<OrderConfig, 'DATABASE_URL' | 'INVENTORY_GRPC_ADDR'>>;

export type OrderHarnessOptions = {
  /** Prefix of the scratch schema's name (a random suffix is added). */
  readonly schemaPrefix: string;
  /** Overrides of the defaults: choreography, a 500 ms inventory deadline, short saga deadlines. */
  readonly config?: OrderHarnessConfig;
  /**
   * The inventory's unit price of a SKU, or `undefined` for a SKU it does not know (refused with
   * INVALID_ARGUMENT naming it). Default: every SKU costs 1,000 cents.
   */
  readonly price?: (sku: string) => number | undefined;
};

/** A message the order service enqueued in its outbox. */
export type SentMessage = {
  readonly topic: string;
  readonly type: string;
  readonly payload: Readonly<Record<string, unknown>>;
};

export type OrderHarness = {
  /** The running service; replaced by {@link OrderHarness.restart}. */
  readonly app: ServiceHost;
  /** An OrderService client of the running service; replaced by {@link OrderHarness.restart}. */
  readonly client: RpcClient;
  /** The scratch schema the service's tables live in. */
  readonly schema: string;
  /** `ok`: the inventory prices items; `hang`: it never answers. */
  setInventoryBehaviour(behaviour: 'ok' | 'hang'): void;
  /** Calls CreateOrder and returns the order it answers with. */
  create(request: CreateOrderRequest): Promise<Order | undefined>;
  /** Places an order in a saga mode (default one SKU-BOOK) and returns its id. */
  place(mode: SagaMode, items?: LineItem[]): Promise<string>;
  /** Calls GetOrder. */
  getOrder(orderId: string): Promise<Order | undefined>;
  /** The messages enqueued for an order, in outbox order. */
  outbox(orderId: string): Promise<SentMessage[]>;
  /** Stops the service and boots a new instance on the same schema, as a deploy would. */
  restart(): Promise<void>;
  /** Closes everything and drops the schema. */
  stop(): Promise<void>;
};

/** Short deadlines, so the orchestrator's timeouts and retries show within a test. */
const DEFAULT_CONFIG = {
  DEFAULT_SAGA_MODE: 'choreography',
  INVENTORY_DEADLINE_MS: 500,
  SAGA_STEP_DEADLINE_MS: 1_500,
  SAGA_RETRY_DEADLINE_MS: 300,
  SAGA_MAX_RETRY_DEADLINE_MS: 600,
  SAGA_MAX_COMPENSATION_ATTEMPTS: 3,
  SAGA_SWEEP_INTERVAL_MS: 50,
} as const satisfies OrderHarnessConfig;

/**
 * Creates the scratch schema, starts the inventory stand-in and the order service, and connects
 * a client. Call {@link OrderHarness.stop} in `after`; on a failed start what was started is
 * closed before the error is thrown.
 */
export async function startOrderHarness(options: OrderHarnessOptions): Promise<OrderHarness> {
  const stack = testStack(process.env);
  const schema = `${options.schemaPrefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Pool({ connectionString: stack.endpoints.postgresUrl('order'), max: 2 });
  const price = options.price ?? (() => 1_000);
  let behaviour: 'ok' | 'hang' = 'ok';
  let inventoryServer: RpcServer | undefined;
  let inventory: RpcClient | undefined;
  let app: ServiceHost | undefined;
  let client: RpcClient | undefined;

  async function stop(): Promise<void> {
    client?.close();
    inventory?.close();
    await app?.stop();
    await inventoryServer?.shutdown(100);
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }

  try {
    await admin.query(`create schema ${schema}`);
    // The inventory is another service; here a scripted stand-in answers PriceItems.
    const server = createRpcServer();
    inventoryServer = server;
    server.addService('saga.inventory.v1.InventoryService', InventoryServiceService, {
      priceItems: async (req) => {
        const { items } = req as PriceItemsRequest;
        if (behaviour === 'hang') return new Promise(() => {});
        const unknown = items.find((i) => price(i.sku) === undefined);
        if (unknown) throw new RpcError(Code.INVALID_ARGUMENT, `unknown SKU ${unknown.sku}`);
        const priced = items.map((i) => ({ ...i, unitPriceCents: price(i.sku) ?? 0 }));
        return {
          items: priced,
          totalCents: priced.reduce((s, i) => s + i.quantity * i.unitPriceCents, 0),
        } satisfies PriceItemsResponse;
      },
    });
    const inventoryPort = await server.listen('127.0.0.1:0');
    const config: OrderConfig = {
      HOST: '127.0.0.1',
      GRPC_PORT: 0,
      HEALTH_PORT: 0,
      KAFKA_BROKERS: stack.endpoints.kafkaBrokers.join(','),
      SEED_FIXTURES: false,
      LOG_LEVEL: 'silent',
      ...DEFAULT_CONFIG,
      ...options.config,
      DATABASE_URL: inSchema(stack.endpoints.postgresUrl('order'), schema),
      INVENTORY_GRPC_ADDR: `127.0.0.1:${inventoryPort}`,
    };
    const inventoryClient = createInventoryClient(
      config.INVENTORY_GRPC_ADDR,
      config.INVENTORY_DEADLINE_MS,
    );
    inventory = inventoryClient;

    const boot = async (): Promise<void> => {
      const started = buildApp(
        {
          logger: createLogger({ service: 'order', level: 'silent' }),
          inventory: inventoryClient,
          messaging: false,
        },
        config,
      );
      app = started;
      const { grpcPort } = await started.start();
      client?.close();
      client = createRpcClient(OrderServiceClient, `127.0.0.1:${grpcPort}`, {
        dependency: 'order',
        defaultDeadlineMs: 3_000,
      });
    };
    await boot();

    const running = <T>(value: T | undefined, what: string): T => {
      assert.ok(value, `the order harness has no ${what}: it is stopped or did not start`);
      return value;
    };
    const harness: OrderHarness = {
      get app() {
        return running(app, 'service');
      },
      get client() {
        return running(client, 'client');
      },
      schema,
      setInventoryBehaviour(next) {
        behaviour = next;
      },
      async create(request) {
        return (await harness.client.call<CreateOrderResponse>('createOrder', request)).order;
      },
      async place(mode, items) {
        const order = await harness.create(
          orderRequest({ sagaMode: mode, ...(items && { items }) }),
        );
        assert.ok(order);
        return order.orderId;
      },
      async getOrder(orderId) {
        return (await harness.client.call<GetOrderResponse>('getOrder', { orderId })).order;
      },
      async outbox(orderId) {
        const { rows } = await harness.app.pool.query<{
          topic: string;
          type: string;
          payload: Buffer;
        }>(`select topic, type, payload from ${schema}.outbox where key = $1 order by position`, [
          orderId,
        ]);
        return rows.map((r) => ({
          topic: r.topic,
          type: r.type,
          payload: JSON.parse(r.payload.toString()),
        }));
      },
      async restart() {
        await harness.app.stop();
        await boot();
      },
      stop,
    };
    return harness;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
