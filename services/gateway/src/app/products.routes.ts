import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type {
  CreateProductResponse,
  GetProductResponse,
  ListProductsResponse,
} from '@saga/contracts/inventory';
import { Type } from '@sinclair/typebox';
import { toCreateProductRequest, toProductDto } from '../adapters/mappers/inventory.mapper.ts';
import { required } from '../adapters/mappers/reply.errors.ts';
import type { AppDeps } from '../app.ts';
import type { Config } from '../config.ts';
import { IdempotencyHeaders, LOCATION, problemResponses, ref, success } from './common.schemas.ts';
import { replyIdempotent } from './idempotent.reply.ts';
import { CreateProductBody, ProductSchema, SkuParams } from './product.schemas.ts';
import { deriveRequestId } from './request-id.ts';

/** `/v1/products`: the catalogue and its stock (inventory service). */
export function productRoutes(
  deps: AppDeps,
  config: Pick<Config, 'GRPC_WRITE_DEADLINE_MS'>,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/products',
      {
        config: { resource: 'PRODUCT' },
        schema: {
          tags: ['products'],
          summary: 'List products with their stock',
          response: {
            200: success(
              Type.Object({ products: Type.Array(ref(ProductSchema)) }),
              'Every product.',
            ),
            ...problemResponses(503),
          },
        },
      },
      async () => {
        const res = await deps.inventory.call<ListProductsResponse>('listProducts', { skus: [] });
        return { products: res.products.map(toProductDto) };
      },
    );

    app.get(
      '/v1/products/:sku',
      {
        config: { resource: 'PRODUCT' },
        schema: {
          tags: ['products'],
          summary: 'Get a product with its stock',
          params: SkuParams,
          response: {
            200: success(ref(ProductSchema), 'The product.'),
            ...problemResponses(400, 404, 503),
          },
        },
      },
      async (request) => {
        const res = await deps.inventory.call<GetProductResponse>('getProduct', {
          sku: request.params.sku,
        });
        return toProductDto(required(res.product, 'product'));
      },
    );

    app.post(
      '/v1/products',
      {
        config: { resource: 'PRODUCT' },
        schema: {
          tags: ['products'],
          summary: 'Create a product with initial stock',
          description:
            'Requires an Idempotency-Key. Creating the same SKU again with the same values succeeds; with other values it is 409.',
          headers: IdempotencyHeaders,
          body: CreateProductBody,
          response: {
            201: success(
              ref(ProductSchema),
              'Created (or already there with these values).',
              LOCATION,
            ),
            ...problemResponses(400, 409, 422, 503),
          },
        },
      },
      (request, reply) =>
        replyIdempotent(deps.idempotency, request, reply, async ({ clientId, key }) => {
          const res = await deps.inventory.call<CreateProductResponse>(
            'createProduct',
            toCreateProductRequest(request.body),
            // CreateProduct is idempotent by contract (same values again succeed): retryable.
            {
              deadlineMs: config.GRPC_WRITE_DEADLINE_MS,
              idempotencyKey: deriveRequestId(clientId, key),
            },
          );
          const product = toProductDto(required(res.product, 'product'));
          return {
            status: 201,
            headers: { location: `/v1/products/${encodeURIComponent(product.sku)}` },
            body: product,
          };
        }),
    );
  };
}
