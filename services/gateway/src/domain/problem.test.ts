import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@saga/rpc';
import { GrpcStatus, rpcProblem, validationProblem } from './problem.ts';

const options = { breakerRetryAfterSeconds: 5 };

test('the gRPC status numbers the domain uses are the ones @saga/rpc uses', () => {
  for (const [name, value] of Object.entries(GrpcStatus)) {
    assert.equal(value, Code[name as keyof typeof Code], name);
  }
});

test("a service's client errors become 404, 422 and 409 with the service's message and the resource's code", () => {
  const cases = [
    [GrpcStatus.NOT_FOUND, 404, 'ORDER.NOT_FOUND'],
    [GrpcStatus.INVALID_ARGUMENT, 422, 'ORDER.INVALID'],
    [GrpcStatus.FAILED_PRECONDITION, 409, 'ORDER.CONFLICT'],
    [GrpcStatus.ALREADY_EXISTS, 409, 'ORDER.ALREADY_EXISTS'],
  ] as const;
  for (const [code, status, problemCode] of cases) {
    const { problem, headers } = rpcProblem(
      { code, message: 'order o-1 is CONFIRMED' },
      'ORDER',
      options,
    );
    assert.equal(problem.status, status);
    assert.equal(problem.code, problemCode);
    assert.equal(problem.detail, 'order o-1 is CONFIRMED');
    assert.equal(problem.type, `https://saga-platform.dev/problems/${problemCode.toLowerCase()}`);
    assert.deepEqual(headers, {});
  }
});

test('an unavailable, slow or refused dependency is a 503 with Retry-After and a fixed text', () => {
  const cases = [
    [
      { code: GrpcStatus.UNAVAILABLE, message: 'connect ECONNREFUSED 10.0.0.7:50051' },
      'DEPENDENCY.UNAVAILABLE',
      '1',
    ],
    [
      { code: GrpcStatus.DEADLINE_EXCEEDED, message: 'Deadline exceeded' },
      'DEPENDENCY.TIMEOUT',
      '1',
    ],
    [{ code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'overloaded' }, 'DEPENDENCY.UNAVAILABLE', '1'],
    [
      { code: GrpcStatus.UNAVAILABLE, message: 'order: circuit open', reason: 'circuit-open' },
      'DEPENDENCY.CIRCUIT_OPEN',
      '5',
    ],
    [
      { code: GrpcStatus.UNAVAILABLE, message: 'order: too many', reason: 'bulkhead-full' },
      'DEPENDENCY.BUSY',
      '1',
    ],
  ] as const;
  for (const [failure, code, retryAfter] of cases) {
    const { problem, headers } = rpcProblem(failure, 'PRODUCT', options);
    assert.equal(problem.status, 503);
    assert.equal(problem.code, code);
    assert.equal(headers['retry-after'], retryAfter);
    assert.doesNotMatch(problem.detail, /ECONNREFUSED|10\.0\.0\.7|circuit open/);
  }
});

test('any other status is a 500 that does not echo the message', () => {
  const { problem, headers } = rpcProblem(
    { code: 13, message: 'password authentication failed for user admin' },
    'CUSTOMER',
    options,
  );
  assert.equal(problem.status, 500);
  assert.equal(problem.code, 'INTERNAL');
  assert.doesNotMatch(problem.detail, /password|admin/);
  assert.deepEqual(headers, {});
});

test('a validation problem names every field at fault by its path', () => {
  const p = validationProblem('body', [
    { keyword: 'minimum', instancePath: '/items/0/quantity', message: 'must be >= 1', params: {} },
    {
      keyword: 'required',
      instancePath: '/shippingAddress',
      message: 'x',
      params: { missingProperty: 'country' },
    },
    {
      keyword: 'additionalProperties',
      instancePath: '',
      message: 'x',
      params: { additionalProperty: 'coupon' },
    },
    {
      keyword: 'enum',
      instancePath: '/sagaMode',
      message: 'x',
      params: { allowedValues: ['choreography', 'orchestration'] },
    },
    { keyword: 'type', instancePath: '', message: 'must be object', params: {} },
  ]);
  assert.equal(p.status, 400);
  assert.equal(p.code, 'REQUEST.INVALID');
  assert.deepEqual(p.errors, [
    { field: 'items/0/quantity', message: 'must be >= 1' },
    { field: 'shippingAddress/country', message: 'is required' },
    { field: 'coupon', message: 'is not allowed' },
    { field: 'sagaMode', message: 'must be one of: choreography, orchestration' },
    { field: 'body', message: 'must be object' },
  ]);
  assert.match(p.detail, /^items\/0\/quantity must be >= 1; /);
});

test('a missing Idempotency-Key header gets the code the idempotency layer uses', () => {
  const p = validationProblem('headers', [
    { keyword: 'required', instancePath: '', params: { missingProperty: 'idempotency-key' } },
  ]);
  assert.equal(p.code, 'IDEMPOTENCY.KEY_MISSING');
  assert.match(p.detail, /Idempotency-Key header/);
  assert.deepEqual(p.errors, [{ field: 'idempotency-key', message: 'is required' }]);
});
