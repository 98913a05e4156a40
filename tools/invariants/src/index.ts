/**
 * @saga/invariants: the invariant checker (docs/invariants.md). A library for tests and chaos
 * scenarios, and the CLI `pnpm check:invariants` (src/cli.ts).
 */
export { captureDlqBaseline, checkInvariants, DEFAULT_OUTBOX_MAX_AGE_SECONDS } from './check.ts';
export { DatabaseUnreachableError } from './databases.ts';
export { DEFAULT_DLQ_TOPICS, KafkaUnreachableError } from './dlq.reader.ts';
export {
  type CheckOptions,
  type DlqOffsets,
  type InvariantReport,
  type InvariantScope,
  RULES,
  type RuleId,
  type RuleResult,
  type ServiceDb,
  type Violation,
} from './invariants.types.ts';
export { formatInvariantReport } from './report.format.ts';
export { InvalidScopeError } from './snapshot.reader.ts';
