/**
 * `pnpm saga <show|retry|parked> [orderId]`: operator commands for orchestrated sagas, over the
 * order service's gRPC API (through its toxiproxy edge, addresses from the stack's variables).
 *
 *   show <orderId>   the saga's state, deadline and log
 *   retry <orderId>  resume the compensations of a saga parked in FAILED_COMPENSATION
 *
 * Exit codes: 0 done, 1 the order service refused (unknown order, not parked), 2 usage.
 */
import { type GetSagaResponse, OrderServiceClient, type Saga } from '@saga/contracts/order';
import { createRpcClient, RpcError } from '@saga/rpc';
import { testStack } from '@saga/testkit';

const USAGE = 'usage: pnpm saga show <orderId> | pnpm saga retry <orderId>';

function print(saga: Saga | undefined): void {
  if (!saga) return;
  console.log(
    `order ${saga.orderId}: ${saga.state}${saga.deadlineAt ? `, deadline ${saga.deadlineAt}` : ''}, attempt ${saga.attempt + 1}`,
  );
  for (const l of saga.log) {
    const sent = l.commands.length ? ` -> sent ${l.commands.join(', ')}` : '';
    console.log(
      `  ${l.at}  ${l.input.padEnd(18)} ${l.fromState || '(new)'} -> ${l.toState}${sent}`,
    );
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [verb, orderId] = argv;
  if (!orderId || (verb !== 'show' && verb !== 'retry')) {
    console.error(USAGE);
    return 2;
  }
  const { endpoints } = testStack(process.env);
  const client = createRpcClient(OrderServiceClient, endpoints.grpcAddress('order'), {
    dependency: 'order',
    defaultDeadlineMs: 5_000,
  });
  try {
    const res = await client.call<GetSagaResponse>(verb === 'show' ? 'getSaga' : 'retrySaga', {
      orderId,
    });
    if (verb === 'retry') console.log('retried: compensations resumed');
    print(res.saga);
    return 0;
  } catch (err) {
    console.error(err instanceof RpcError ? err.message : String(err));
    return 1;
  } finally {
    client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
