/**
 * Preload entry: `node --import @saga/telemetry/register src/main.ts`. Starts telemetry from
 * the standard OpenTelemetry variables before any application module loads:
 *   OTEL_SERVICE_NAME (required to export; without it telemetry stays off),
 *   OTEL_EXPORTER_OTLP_ENDPOINT (default http://127.0.0.1:4318),
 *   OTEL_METRIC_EXPORT_INTERVAL (ms between OTLP metric pushes; default 5000 here, shorter than
 *   the specification's 60000 so a local dashboard moves while you watch).
 * Auto-instrumentation of http, pg and ioredis is on (./instrumentations.ts, docs/adr/0008).
 * The SDK is flushed and stopped when the process receives SIGTERM/SIGINT or exits via
 * the service's own shutdown, which calls `globalThis.__sagaTelemetry.shutdown()` last.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { defaultInstrumentations } from './instrumentations.ts';
import { startTelemetry, type Telemetry } from './sdk.ts';

const serviceName = process.env.OTEL_SERVICE_NAME;
if (serviceName) {
  // Services are ESM: an instrumentation patches an imported module only through this loader
  // hook (import-in-the-middle). The message channel limits the hook to the modules the
  // instrumentations ask for (pg, ioredis, http), so every other module loads untouched.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const otlpHttpUrl = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318';
  const telemetry: Telemetry = startTelemetry({
    serviceName,
    instrumentations: defaultInstrumentations(otlpHttpUrl),
    otlpHttpUrl,
    metricExportIntervalMs: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL) || 5_000,
  });
  (globalThis as { __sagaTelemetry?: Telemetry }).__sagaTelemetry = telemetry;
  // The loader must know every hooked module before the application's first import.
  await waitForAllMessagesAcknowledged();
}
