/**
 * @saga/telemetry: the OpenTelemetry bootstrap and helpers. One trace per order, from the
 * gateway through the outbox row and Kafka to every consumer: see docs/patterns/telemetry.md.
 */
export { extractTraceContext, injectTraceContext } from '@saga/outbox';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk.ts';
export { withSpan } from './span.ts';
