/**
 * @saga/testkit: what every integration and e2e test needs to reach the infrastructure, from the
 * same environment variables the services read (docs/configuration.md). Whatever provides the
 * stack (the native stack here, docker compose elsewhere) only has to honour those variables.
 */
export { type EventuallyOptions, eventually } from './eventually.ts';
export { inSchema } from './schema.ts';
export { type TestStack, testStack } from './stack.ts';
export { createToxiproxyClient, type Toxic, type ToxiproxyClient } from './toxiproxy.ts';
