/**
 * @saga/chaos: named chaos scenarios as code (docs/chaos.md). The e2e suite (e2e/chaos) runs
 * each one's short form; `pnpm chaos` runs them by name.
 */
export { createChaosContext } from './context.ts';
export { createEdges, type Edges } from './edges.ts';
export { type Load, MODE_CHOICES, type ModeChoice, placeOrder, startLoad } from './load.ts';
export type { ProcessControl } from './processes.ts';
export { type Quiescence, waitForQuiescence } from './quiescence.ts';
export {
  type ChaosContext,
  type Claim,
  formatResult,
  type RunOptions,
  type Scenario,
  type ScenarioResult,
} from './scenario.ts';
export { SCENARIOS } from './scenarios/index.ts';
export { soak } from './soak.ts';
