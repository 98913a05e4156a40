import {
  captureDlqBaseline,
  checkInvariants,
  type DlqOffsets,
  formatInvariantReport,
} from '@saga/invariants';
import { createToxiproxyClient, testStack } from '@saga/testkit';
import { createEdges } from './edges.ts';
import { createProcessControl } from './processes.ts';
import { createBacklogProbe } from './quiescence.ts';
import type { ChaosContext, InvariantChecker } from './scenario.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The invariant checker of tools/invariants, scoped to one scenario's orders and DLQ baseline. */
export function invariantChecker(env: Env): InvariantChecker {
  return {
    baseline: () => captureDlqBaseline({ env }),
    async check({ orderIds, since, dlqBaseline }) {
      const report = await checkInvariants({
        env,
        scope: { since, orderIds },
        dlq: { baseline: dlqBaseline as DlqOffsets },
      });
      return {
        ok: report.ok,
        violations: report.violations.length,
        text: formatInvariantReport(report),
      };
    },
  };
}

/**
 * Everything a scenario needs against the stack that `env` describes (the services' own
 * variables, docs/configuration.md). `close()` releases the connections.
 */
export function createChaosContext(
  env: Env,
  log: (line: string) => void = () => {},
): ChaosContext & { readonly close: () => Promise<void> } {
  const { endpoints } = testStack(env);
  const toxiproxy = createToxiproxyClient(endpoints.toxiproxyUrl);
  const backlog = createBacklogProbe(endpoints);
  return {
    endpoints,
    toxiproxy,
    edges: createEdges(toxiproxy),
    processes: createProcessControl(env),
    backlog,
    invariants: invariantChecker(env),
    log,
    close: () => backlog.close(),
  };
}
