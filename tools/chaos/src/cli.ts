/**
 * `pnpm chaos list | <scenario> [--short] [--mode choreography|orchestration|mixed] |
 * soak --minutes N`: runs named chaos scenarios against the running stack (docs/chaos.md).
 * The composition root: the only file reading process.env and argv. Exit 1 when a scenario's
 * invariants or claims fail, 2 for a bad command line.
 */
import { parseArgs, UsageError } from './args.ts';
import { createChaosContext } from './context.ts';
import { formatResult } from './scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { soak } from './soak.ts';

const USAGE = `usage: pnpm chaos list
       pnpm chaos <scenario> [--short] [--mode choreography|orchestration|mixed]
       pnpm chaos soak --minutes N [--mode ...]`;

async function main(argv: readonly string[]): Promise<number> {
  const command = parseArgs(
    argv,
    SCENARIOS.map((s) => s.name),
  );
  if (command.kind === 'list') {
    const width = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(width)}  ${s.description}`);
    console.log(
      `${'soak'.padEnd(width)}  random faults from the scenarios under continuous load (--minutes N)`,
    );
    return 0;
  }
  const stamp = () => new Date().toISOString().slice(11, 19);
  const ctx = createChaosContext(process.env, (line) => console.log(`[${stamp()}] ${line}`));
  try {
    const result =
      command.kind === 'soak'
        ? await soak(ctx, command)
        : await (SCENARIOS.find((s) => s.name === command.name) as (typeof SCENARIOS)[number]).run(
            ctx,
            command,
          );
    console.log(`\n${formatResult(result)}`);
    return result.ok ? 0 : 1;
  } finally {
    await ctx.toxiproxy.reset().catch(() => {});
    await ctx.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
}
