/**
 * `pnpm check:invariants`: checks the running stack's invariants (docs/invariants.md) and exits
 * 0 when they hold, 1 on any violation, 2 on bad arguments or a stack it cannot read. The only
 * file of the package that touches `process`.
 */
import { checkInvariants } from './check.ts';
import { parseCliArgs, USAGE, UsageError } from './cli.args.ts';
import { formatInvariantReport } from './report.format.ts';

async function main(): Promise<number> {
  let request: ReturnType<typeof parseCliArgs>;
  try {
    request = parseCliArgs(process.argv.slice(2), new Date());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`check:invariants: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (request.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const report = await checkInvariants({ ...request.options, env: process.env });
    process.stdout.write(
      request.json ? `${JSON.stringify(report, null, 2)}\n` : formatInvariantReport(report),
    );
    return report.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`check:invariants: ${(err as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main();
