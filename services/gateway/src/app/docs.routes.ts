import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { ProblemSchema } from './common.schemas.ts';
import { CustomerSchema } from './customer.schemas.ts';
import { OrderSchema, PaymentSchema, SagaSchema, ShipmentSchema } from './order.schemas.ts';
import { ProductSchema } from './product.schemas.ts';

const DESCRIPTION = `The public API of the Saga Platform. Money is in integer cents of EUR.

Every failure is \`application/problem+json\` (RFC 9457) with a stable \`code\`. Writes need an
\`Idempotency-Key\` header: a retry with the same key is answered from the first execution.
A 503 always carries \`Retry-After\`.`;

/**
 * OpenAPI 3.1 generated from the route schemas (never written by hand), served as
 * `/openapi.json`, with Swagger UI at `/docs`. Registers the shared schemas, which become
 * `components.schemas`; must be registered before the routes so that it sees them.
 */
export function registerDocs(app: FastifyInstance, config: Pick<Config, 'PUBLIC_URL'>): void {
  for (const schema of [
    ProblemSchema,
    OrderSchema,
    PaymentSchema,
    ShipmentSchema,
    SagaSchema,
    ProductSchema,
    CustomerSchema,
  ])
    app.addSchema(schema);
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Saga Platform API', version: '1.0.0', description: DESCRIPTION },
      servers: [{ url: config.PUBLIC_URL }],
      tags: [
        { name: 'orders', description: 'Checkout: orders and their saga.' },
        { name: 'products', description: 'Catalogue and stock (inventory).' },
        { name: 'customers', description: 'Customer accounts (payment).' },
        { name: 'health', description: 'Liveness and readiness probes.' },
      ],
    },
    // Shared schemas keep their names: `$ref: Order` becomes `#/components/schemas/Order`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.register(async (scoped) => {
    scoped.get('/openapi.json', { schema: { hide: true } }, async () => scoped.swagger());
  });
}
