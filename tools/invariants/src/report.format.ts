/** The human-readable report the CLI prints. */
import { type InvariantReport, RULES, type Violation } from './invariants.types.ts';

/** Violations listed per rule before "… and N more" (the JSON report has them all). */
const MAX_LISTED_PER_RULE = 25;

function subject(v: Violation): string {
  if (v.orderId) return `order ${v.orderId}`;
  if (v.sku) return `sku ${v.sku}`;
  if (v.account) return `account ${v.account}`;
  return '';
}

function listing(title: string, findings: readonly Violation[]): string[] {
  if (!findings.length) return [];
  const lines = ['', title];
  for (const rule of RULES) {
    const of = findings.filter((v) => v.rule === rule.id);
    for (const v of of.slice(0, MAX_LISTED_PER_RULE)) {
      const who = subject(v);
      lines.push(`  ${v.rule}  ${who ? `${who}: ` : ''}${v.detail}`);
    }
    if (of.length > MAX_LISTED_PER_RULE) {
      lines.push(`  ${rule.id}  … and ${of.length - MAX_LISTED_PER_RULE} more`);
    }
  }
  return lines;
}

/**
 * Formats a report: a table of rules (checked, violations), then each violation naming its rule
 * and the order, SKU or account, then the notices, then the verdict.
 */
export function formatInvariantReport(report: InvariantReport): string {
  const width = Math.max(...report.rules.map((r) => r.rule.length), 'rule'.length);
  const lines = [
    `Invariants: ${report.orders} order(s) in scope, checked in ${report.durationMs} ms`,
    '',
    `  ${'rule'.padEnd(width)}  ${'checked'.padStart(8)}  ${'violations'.padStart(10)}`,
    ...report.rules.map(
      (r) =>
        `  ${r.rule.padEnd(width)}  ${String(r.checked).padStart(8)}  ${String(r.violations).padStart(10)}${r.violations ? '  ✗' : ''}`,
    ),
    ...listing('Violations:', report.violations),
    ...listing('Notices (expected, not failing):', report.notices),
    '',
    report.ok
      ? 'OK: every invariant holds.'
      : `FAILED: ${report.violations.length} violation(s) of ${new Set(report.violations.map((v) => v.rule)).size} rule(s).`,
  ];
  return `${lines.join('\n')}\n`;
}
