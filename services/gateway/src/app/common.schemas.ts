import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * The HTTP API's schemas (TypeBox = JSON Schema): fastify validates requests and serializes
 * responses with them, and @fastify/swagger generates /openapi.json from them. Schemas with an
 * `$id` are registered once (`app.addSchema`) and become `components.schemas` in OpenAPI.
 */

/** A reference to a registered schema that keeps its static type. */
export function ref<T extends TSchema>(schema: T) {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/** A string from a fixed set, as a plain JSON Schema `enum` (friendliest to client generators). */
export const stringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the kind of problem.' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable code to branch on, e.g. ORDER.NOT_FOUND.' }),
    traceId: Type.Optional(Type.String({ description: 'Trace of the request (Jaeger).' })),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: 'Each invalid field, for 400 answers.',
      }),
    ),
  },
  {
    $id: 'Problem',
    description: 'RFC 9457 problem details, sent as application/problem+json.',
  },
);

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: the fields at fault are listed in `errors`.',
  404: 'No such resource.',
  409: 'Conflicts with the current state (or the same Idempotency-Key is still in progress).',
  413: 'Body larger than the limit.',
  415: 'Body is not application/json.',
  422: 'Refused by the service (e.g. an unknown SKU), or an Idempotency-Key reused for another request.',
  500: 'Unexpected failure; details are in the logs, never in the answer.',
  503: 'A service this request needs is unavailable, slow or overloaded; see Retry-After.',
};

const RETRY_AFTER = {
  'retry-after': Type.Integer({ minimum: 1, description: 'Seconds to wait before retrying.' }),
};

/** Problem responses of a route, by status, as `application/problem+json` (500 always). */
export function problemResponses(...statuses: readonly number[]) {
  return Object.fromEntries(
    [...new Set([...statuses, 500])].map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem.',
        ...(status === 503 || status === 409 ? { headers: RETRY_AFTER } : {}),
        content: { 'application/problem+json': { schema: ref(ProblemSchema) } },
      },
    ]),
  );
}

/** A success response: its schema, what it means, and its headers (OpenAPI documents them). */
export function success<T extends TSchema>(
  schema: T,
  description: string,
  headers?: Readonly<Record<string, TSchema>>,
) {
  return { ...schema, description, ...(headers ? { headers } : {}) };
}

/** The `Location` header of a 201/202. */
export const LOCATION = {
  location: Type.String({ description: 'Where the created resource is.' }),
};

export const AddressSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    postalCode: Type.String({ minLength: 1, maxLength: 20 }),
    country: Type.String({
      pattern: '^[A-Z]{2}$',
      description: 'ISO 3166-1 alpha-2, upper case.',
      examples: ['DE'],
    }),
  },
  { additionalProperties: false },
);

export const CurrencySchema = Type.Literal('EUR', {
  description: 'Always EUR: amounts are integer cents of it.',
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description:
      'Required. Retrying with the same key (and the same body) never executes twice: the first answer is replayed.',
  }),
  'x-client-id': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Scopes Idempotency-Keys; default "anonymous".',
    }),
  ),
});
