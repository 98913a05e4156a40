import { on, type Subscription } from '@saga/service-host';
import type { Orchestrator } from './orchestrator.ts';
import { PARTICIPANT_EVENTS } from './participant-events.ts';
import { recordingOutcomes } from './saga.metrics.ts';

/**
 * The orchestrator's subscriptions on its reply topic: every participant reply, handed to the
 * orchestrator inside the inbox transaction (the consumed reply's id commits with the
 * transition it causes).
 */
export function orchestratorSubscriptions(orchestrator: Orchestrator): Subscription[] {
  return recordingOutcomes(
    PARTICIPANT_EVENTS.map(({ def, toEvent }) =>
      on(def, (tx, e) => orchestrator.onReply(tx, e, toEvent(e.payload))),
    ),
  );
}
