/**
 * `saga.outcomes` and `saga.duration` against the real order service (in-process, real
 * Postgres, real inbox): each order is counted once, when the transaction that settles it
 * commits, in both saga modes, however often the settling message is delivered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SumMetricData } from '@opentelemetry/sdk-metrics';
import { EVENTS } from '@saga/contracts';
import { SagaMode } from '@saga/contracts/common';
import { installTestMetrics } from '@saga/testkit/metrics';
import { envelope, type OrderHarness, startOrderHarness } from './support/order-harness.ts';

// Registered before the service records anything, as the preloaded SDK is in production.
const { reader, provider } = installTestMetrics();

let h: OrderHarness;

before(async () => {
  h = await startOrderHarness({
    schemaPrefix: 'test_saga_metrics',
    config: {
      SAGA_STEP_DEADLINE_MS: 60_000,
      SAGA_RETRY_DEADLINE_MS: 1_000,
      SAGA_MAX_RETRY_DEADLINE_MS: 2_000,
      SAGA_SWEEP_INTERVAL_MS: 1_000,
    },
  });
});

after(async () => {
  await h?.stop();
  await provider.shutdown();
});

/** `saga.outcomes` by `<mode>/<outcome>`. */
async function outcomes(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'saga.outcomes') as SumMetricData | undefined;
  return Object.fromEntries(
    (metric?.dataPoints ?? []).map((p) => [
      `${p.attributes['saga.mode']}/${p.attributes['saga.outcome']}`,
      p.value,
    ]),
  );
}

test('choreography: a confirmation delivered twice counts one confirmed order', async () => {
  const orderId = await h.place(SagaMode.SAGA_MODE_CHOREOGRAPHY);
  const scheduled = envelope(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' });
  await h.app.deliver('choreography', scheduled);
  await h.app.deliver('choreography', scheduled); // redelivery: the inbox skips it
  assert.equal((await outcomes())['choreography/confirmed'], 1);
});

test('orchestration: a rejection delivered twice counts one rejected order', async () => {
  const orderId = await h.place(SagaMode.SAGA_MODE_ORCHESTRATION);
  const rejected = envelope(EVENTS.StockRejected, {
    orderId,
    reason: 'OUT_OF_STOCK',
    detail: 'none left',
  });
  await h.app.deliver('orchestrator', rejected);
  await h.app.deliver('orchestrator', rejected);
  assert.equal((await outcomes())['orchestration/rejected'], 1);
});

test('a cancellation asked twice counts one cancelled order, and a settled order never counts again', async () => {
  const orderId = await h.place(SagaMode.SAGA_MODE_ORCHESTRATION);
  await h.client.call('cancelOrder', { orderId });
  await h.client.call('cancelOrder', { orderId }); // already cancelled: nothing changes
  // A late confirmation after the cancellation does not settle the order a second time.
  await h.app.deliver(
    'orchestrator',
    envelope(EVENTS.ShipmentScheduled, { orderId, deliveryDate: '2026-11-27' }),
  );
  assert.deepEqual(await outcomes(), {
    'choreography/confirmed': 1,
    'orchestration/rejected': 1,
    'orchestration/cancelled': 1,
  });
});
