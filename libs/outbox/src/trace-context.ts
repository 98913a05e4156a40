import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// W3C trace context is written explicitly rather than through the global propagator, so the
// traceparent is stored with the row even in a process whose SDK is configured differently.
const w3c = new W3CTraceContextPropagator();

/** `traceparent` (and `tracestate`) of a context, as string headers. */
export function injectTraceContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

/** The context a stored or received set of headers carries. */
export function extractTraceContext(
  headers: Readonly<Record<string, string | undefined>>,
  base: Context = context.active(),
): Context {
  return w3c.extract(base, headers, defaultTextMapGetter);
}
