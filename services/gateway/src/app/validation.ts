import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';

/**
 * Request validation with two Ajv instances: bodies are JSON and must have the declared types
 * (`"quantity": "2"` is refused, unknown fields are refused where the schema says so), while
 * query strings, path parameters and headers are text and are converted (`?limit=10`). Every
 * error is reported, so a 400 names each field at fault.
 */
export function installValidation(app: FastifyInstance): void {
  const options = { useDefaults: true, allErrors: true, removeAdditional: false, strict: true };
  const json = new Ajv({ ...options, coerceTypes: false });
  const text = new Ajv({ ...options, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? json : text).compile(schema),
  );
}
