import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import type { Envelope } from '@saga/messaging';
import type { Subscription } from '@saga/service-host';
import { installTestMetrics } from '@saga/testkit/metrics';
import type pg from 'pg';
import { recordingOutcomes, recordOutcomesAfterCommit, stageOutcome } from './saga.metrics.ts';

// Registered before anything is recorded: the instruments are made on first use.
const { reader, provider } = installTestMetrics();
after(() => provider.shutdown());

/** `saga.outcomes` and `saga.duration` counts by `<mode>/<outcome>`. */
async function recorded(): Promise<{
  outcomes: Record<string, number>;
  durations: Record<string, number>;
}> {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const byKey = (name: string, value: (v: unknown) => number) =>
    Object.fromEntries(
      (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []).map((p) => [
        `${p.attributes['saga.mode']}/${p.attributes['saga.outcome']}`,
        value(p.value),
      ]),
    );
  return {
    outcomes: byKey('saga.outcomes', (v) => v as number),
    durations: byKey('saga.duration', (v) => (v as Histogram).count),
  };
}

const placed = (sagaMode: 'choreography' | 'orchestration', secondsAgo = 2) => ({
  sagaMode,
  createdAt: new Date(Date.now() - secondsAgo * 1_000).toISOString(),
});

test('an outcome is recorded once its unit of work resolves (committed), never when it throws (rolled back)', async () => {
  const before = await recorded();
  await recordOutcomesAfterCommit(async () => {
    stageOutcome(placed('choreography'), 'CONFIRMED');
    assert.deepEqual(await recorded(), before, 'nothing is recorded before the commit');
  });
  await assert.rejects(
    recordOutcomesAfterCommit(async () => {
      stageOutcome(placed('choreography'), 'REJECTED');
      throw new Error('serialization failure');
    }),
  );
  await recordOutcomesAfterCommit(async () => stageOutcome(placed('orchestration'), 'PENDING'));
  stageOutcome(placed('orchestration'), 'CANCELLED'); // outside a unit of work: not counted

  const after = await recorded();
  assert.deepEqual(after.outcomes, { 'choreography/confirmed': 1 });
  assert.deepEqual(after.durations, { 'choreography/confirmed': 1 });
  const { resourceMetrics } = await reader.collect();
  const duration = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'saga.duration')?.dataPoints[0]?.value as Histogram;
  assert.ok(
    (duration.sum ?? 0) >= 2 && (duration.sum ?? 0) < 10,
    `placed 2 s ago: ${duration.sum} s`,
  );
});

test('a message delivered twice counts once: the inbox skips the redelivery, whose handler stages nothing', async () => {
  const seen = new Set<string>();
  // Stands in for `on(def, handler)`: an inbox-wrapped handler that runs once per message id.
  const subscription: Subscription = {
    type: 'ShipmentScheduled',
    route: () => ({
      versions: { 1: (p: unknown) => p },
      handle: async (envelope) => {
        if (seen.has(envelope.id)) return;
        stageOutcome(placed('orchestration'), 'CONFIRMED');
        seen.add(envelope.id);
      },
    }),
  };
  const [wrapped] = recordingOutcomes([subscription]);
  const route = wrapped?.route({} as pg.Pool, 'order.orchestrator');
  const envelope = { id: 'm-1', type: 'ShipmentScheduled', payload: {} } as Envelope<unknown>;
  await route?.handle(envelope);
  await route?.handle(envelope);
  assert.equal((await recorded()).outcomes['orchestration/confirmed'], 1);
});
