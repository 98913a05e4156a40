/**
 * Runs a chaos scenario's short form (tools/chaos) for an e2e test, and always heals afterwards:
 * every toxic removed, every proxy enabled, every service running and ready, so the next test
 * file finds a healthy stack.
 */
import assert from 'node:assert/strict';
import {
  createChaosContext,
  formatResult,
  type ModeChoice,
  SCENARIOS,
  type ScenarioResult,
} from '@saga/chaos';

const SERVICES = ['inventory', 'payment', 'shipping', 'order', 'gateway'] as const;

/** Runs `name --short` in `mode`, prints its report, and asserts its invariants and claims. */
export async function runShort(name: string, mode: ModeChoice = 'mixed'): Promise<ScenarioResult> {
  const scenario = SCENARIOS.find((s) => s.name === name);
  assert.ok(scenario, `no scenario ${name}`);
  const ctx = createChaosContext(process.env, (line) => console.log(`  [${name}] ${line}`));
  try {
    const result = await scenario.run(ctx, { short: true, mode });
    const report = formatResult(result);
    console.log(report);
    assert.ok(result.invariants.ok, `invariant violations:\n${result.invariants.text}`);
    for (const c of result.claims)
      assert.ok(c.ok, `claim failed: ${c.name}: ${c.detail}\n\n${report}`);
    if (mode === 'mixed') {
      for (const m of ['choreography', 'orchestration']) {
        assert.ok(
          Object.values(result.load.outcomes[m] ?? {}).reduce((a, b) => a + b, 0) > 0,
          `no ${m} order was accepted\n\n${report}`,
        );
      }
    }
    return result;
  } finally {
    await ctx.toxiproxy.reset();
    await ctx.processes.start(SERVICES);
    await ctx.close();
  }
}
