/**
 * The checker's public shapes. The rules themselves, what they mean and the SQL behind each, are
 * documented in docs/invariants.md.
 */

/** Which orders the per-order rules look at. Default: every order. */
export type InvariantScope = {
  /** Only orders created at or after this instant (and outbox rows, DLQ messages since then). */
  readonly since?: Date;
  /** Only these orders (UUIDs). */
  readonly orderIds?: readonly string[];
};

/** Dead-letter high watermarks: `${topic}:${partition}` → offset (a decimal string). */
export type DlqOffsets = Readonly<Record<string, string>>;

/** The four databases the checker reads. */
export type ServiceDb = 'order' | 'inventory' | 'payment' | 'shipping';

/** Options of {@link checkInvariants}. */
export type CheckOptions = {
  /** Stack settings come from it (`@saga/topology`). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Database URLs to use instead of the stack's (tests point these at scratch databases).
   * Default: each service's database as its read-only role, through the `postgres` proxy.
   */
  readonly databases?: Partial<Record<ServiceDb, string>>;
  readonly scope?: InvariantScope;
  readonly dlq?: {
    /** Count only messages past these offsets ({@link captureDlqBaseline}). */
    readonly baseline?: DlqOffsets;
    /** Dead-lettered messages are expected (a scenario that poisons): notices, not violations. */
    readonly allow?: boolean;
    /** Dead-letter topics to read. Default: `<topic>.dlq` of every topic of @saga/contracts. */
    readonly topics?: readonly string[];
  };
  /** An outbox row unsent for longer than this is a violation. Default 30. */
  readonly outboxMaxAgeSeconds?: number;
  /**
   * Orchestrated sagas parked in FAILED_COMPENSATION are expected (the operator has been told):
   * notices, not violations. Default false.
   */
  readonly allowParked?: boolean;
};

/** One broken rule. */
export type Violation = {
  /** The rule's id (docs/invariants.md), e.g. `confirmed-one-capture`. */
  readonly rule: string;
  readonly orderId?: string;
  readonly sku?: string;
  readonly account?: string;
  /** What was found, in words, with the numbers. */
  readonly detail: string;
};

/** What one rule looked at and how often it failed. */
export type RuleResult = { rule: string; checked: number; violations: number };

/** The outcome of a check. */
export type InvariantReport = {
  /** No violations (notices do not count). */
  readonly ok: boolean;
  /** Orders in scope. */
  readonly orders: number;
  /** Every rule, in the order of {@link RULES}, even those with nothing to check. */
  readonly rules: readonly RuleResult[];
  readonly violations: readonly Violation[];
  /** Findings the options declared expected (`allowParked`, `dlq.allow`): reported, not failing. */
  readonly notices: readonly Violation[];
  readonly durationMs: number;
};

/** The rules, in report order, with one line each (docs/invariants.md has the full text). */
export const RULES = [
  {
    id: 'order-terminal',
    summary: 'every order is CONFIRMED, REJECTED or CANCELLED; an orchestrated saga is finished',
  },
  { id: 'saga-parked', summary: 'no orchestrated saga is parked in FAILED_COMPENSATION' },
  { id: 'charged-and-rejected', summary: 'no rejected or cancelled order has a captured payment' },
  {
    id: 'confirmed-one-capture',
    summary: "a confirmed order's payment is captured, for its total",
  },
  {
    id: 'confirmed-reservations-committed',
    summary: "a confirmed order's reservation is committed, one line per item",
  },
  { id: 'confirmed-one-shipment', summary: 'a confirmed order has a scheduled shipment' },
  {
    id: 'released-when-not-confirmed',
    summary: 'a rejected or cancelled order holds no stock, money or shipment',
  },
  {
    id: 'stock-conservation',
    summary: 'per SKU: stock adds up, and matches reservations and confirmed orders',
  },
  {
    id: 'money-conservation',
    summary: 'per account and overall: balances and holds match payments',
  },
  { id: 'outbox-unsent', summary: 'no outbox row waits longer than the maximum age' },
  { id: 'inbox-duplicate-effect', summary: 'no consumed message took effect twice' },
  { id: 'dlq-empty', summary: 'no message was dead-lettered (past the baseline)' },
] as const;

/** A rule's id. */
export type RuleId = (typeof RULES)[number]['id'];
