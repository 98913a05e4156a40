import type { Scenario } from '../scenario.ts';
import { duplicateDelivery } from './duplicate-delivery.ts';
import { kafkaOutage } from './kafka-outage.ts';
import { kill9 } from './kill-9.ts';
import { partition } from './partition.ts';
import { paymentLatency } from './payment-latency.ts';
import { postgresBlip } from './postgres-blip.ts';
import { redisDown } from './redis-down.ts';
import { retryStorm } from './retry-storm.ts';
import { slowConsumer } from './slow-consumer.ts';

/** Every named scenario, in the order `pnpm chaos list` prints them. */
export const SCENARIOS: readonly Scenario[] = [
  paymentLatency,
  kafkaOutage,
  postgresBlip,
  duplicateDelivery,
  kill9,
  retryStorm,
  slowConsumer,
  redisDown,
  partition,
];
