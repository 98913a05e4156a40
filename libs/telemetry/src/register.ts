/**
 * Preload entry: `node --import @saga/telemetry/register src/main.ts`. Starts telemetry from
 * the standard OpenTelemetry variables before any application module loads:
 *   OTEL_SERVICE_NAME (required to export; without it telemetry stays off),
 *   OTEL_EXPORTER_OTLP_ENDPOINT (default http://127.0.0.1:4318).
 * The SDK is flushed and stopped when the process receives SIGTERM/SIGINT or exits via
 * the service's own shutdown, which calls `globalThis.__sagaTelemetry.shutdown()` last.
 */
import { startTelemetry, type Telemetry } from './sdk.ts';

const serviceName = process.env.OTEL_SERVICE_NAME;
if (serviceName) {
  const telemetry: Telemetry = startTelemetry({
    serviceName,
    otlpHttpUrl: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
  });
  (globalThis as { __sagaTelemetry?: Telemetry }).__sagaTelemetry = telemetry;
}
