/**
 * Pinned versions of every infrastructure component, shared by the native installer and the
 * docker-compose generator so both modes run the same software.
 */
export const VERSIONS = {
  /** Debian bookworm's PostgreSQL major; the compose image uses the same major. */
  postgres: '15',
  /** Debian bookworm's Redis; the compose image uses the same minor. */
  redis: '7.0',
  /** Apache Kafka, resolved from Maven Central (org.apache.kafka:kafka_2.13). */
  kafka: '4.1.1',
  /** log4j2 binding for Kafka's slf4j 1.7 logging (shipped in Kafka's tarball, not its POM). */
  log4j: '2.24.3',
  /**
   * Jaeger: Go module version of github.com/jaegertracing/jaeger. v1.76.0 is the module tag of
   * the Jaeger v2.13.0 release (the v2 binary lives at cmd/jaeger).
   */
  jaegerModule: 'v1.76.0',
  jaegerImage: '2.13.0',
  /** Toxiproxy: Go module github.com/Shopify/toxiproxy/v2. */
  toxiproxy: '2.12.0',
} as const;
