import type {
  CreateProductRequest,
  CreateProductResponse,
  GetProductRequest,
  GetProductResponse,
  InventoryServiceService,
  ListProductsRequest,
  ListProductsResponse,
  PriceItemsRequest,
  PriceItemsResponse,
  Product as ProtoProduct,
} from '@saga/contracts/inventory';
import { Code, RpcError, type UnaryHandler } from '@saga/rpc';
import type { ProductUseCases } from '../app/product.use-cases.ts';
import {
  InvalidItemsError,
  InvalidProductError,
  ProductConflictError,
  ProductNotFoundError,
} from '../domain/inventory.errors.ts';
import type { Product } from '../domain/product.domain.ts';

/**
 * The one place the inventory's errors become gRPC statuses. Anything unknown is rethrown as
 * is, and the server answers INTERNAL without its message.
 */
export function toRpcError(err: unknown): unknown {
  if (err instanceof ProductNotFoundError) return new RpcError(Code.NOT_FOUND, err.message);
  if (err instanceof ProductConflictError) return new RpcError(Code.ALREADY_EXISTS, err.message);
  if (err instanceof InvalidProductError || err instanceof InvalidItemsError) {
    return new RpcError(Code.INVALID_ARGUMENT, err.message);
  }
  return err;
}

function toProtoProduct(product: Product): ProtoProduct {
  return {
    sku: product.sku,
    name: product.name,
    priceCents: product.priceCents,
    available: product.available,
    reserved: product.reserved,
    committed: product.committed,
  };
}

function unary<Req, Res>(handle: (request: Req) => Promise<Res>): UnaryHandler {
  return async (request) => {
    try {
      return await handle(request as Req);
    } catch (err) {
      throw toRpcError(err);
    }
  };
}

/** Handlers of `saga.inventory.v1.InventoryService`, by method. */
export function createInventoryGrpcHandlers(
  products: ProductUseCases,
): Record<keyof typeof InventoryServiceService, UnaryHandler> {
  return {
    listProducts: unary(
      async (req: ListProductsRequest): Promise<ListProductsResponse> => ({
        products: (await products.list(req.skus)).map(toProtoProduct),
      }),
    ),
    getProduct: unary(
      async (req: GetProductRequest): Promise<GetProductResponse> => ({
        product: toProtoProduct(await products.get(req.sku)),
      }),
    ),
    createProduct: unary(
      async (req: CreateProductRequest): Promise<CreateProductResponse> => ({
        product: toProtoProduct(await products.create(req)),
      }),
    ),
    priceItems: unary(async (req: PriceItemsRequest): Promise<PriceItemsResponse> => {
      const priced = await products.price(req.items);
      return { items: [...priced.items], totalCents: priced.totalCents };
    }),
  };
}
