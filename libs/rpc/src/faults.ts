import { Code } from './errors.ts';

/** Statuses a fault may answer with: the failures a real dependency gives. */
export const FAULT_CODES = [
  'UNAVAILABLE',
  'ABORTED',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
] as const;

/** One injected fault: `fraction` of the calls of `method` are answered `code`. */
export type RpcFault = {
  /** Protobuf method name (`PriceItems`), or `*` for every method of the server. */
  readonly method: string;
  readonly code: (typeof FAULT_CODES)[number];
  /** Share of the calls that fail, in [0, 1]. */
  readonly fraction: number;
};

/**
 * Runtime fault injection for local chaos (docs/chaos.md, "retry-storm"): a server wrapped with
 * these answers a share of a method's calls with an error status instead of running the handler.
 * The calls still reach the server, so its `rpc.server.duration` metric counts them, which is
 * what a retry-storm measurement needs (a cut proxy would fail them before they arrive).
 * Empty (no fault) until {@link RpcFaults.set} is called.
 */
export type RpcFaults = {
  /**
   * Adds or replaces the fault of `spec.method`.
   * @throws RpcFaultError when the spec is malformed (unknown code, fraction outside [0, 1]).
   */
  readonly set: (spec: unknown) => RpcFault;
  /** Removes every fault. */
  readonly clear: () => void;
  readonly list: () => readonly RpcFault[];
  /** The status to answer a call of `method` with, or undefined to run the handler. */
  readonly pick: (method: string) => number | undefined;
};

/** A malformed fault spec; its message says which field is wrong. */
export class RpcFaultError extends Error {
  readonly code = 'RPC_FAULT.INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'RpcFaultError';
  }
}

function parseFault(spec: unknown): RpcFault {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new RpcFaultError('expected an object {"method", "code", "fraction"}');
  const { method, code, fraction } = spec as Record<string, unknown>;
  if (typeof method !== 'string' || !/^(\*|[A-Za-z][A-Za-z0-9_]*)$/.test(method))
    throw new RpcFaultError('"method" must be a protobuf method name (e.g. "PriceItems") or "*"');
  if (typeof code !== 'string' || !(FAULT_CODES as readonly string[]).includes(code))
    throw new RpcFaultError(`"code" must be one of ${FAULT_CODES.join(', ')}`);
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1))
    throw new RpcFaultError('"fraction" must be a number from 0 to 1');
  return { method, code: code as RpcFault['code'], fraction };
}

/** Creates an empty fault table; `random` is injectable for tests (default Math.random). */
export function createRpcFaults(random: () => number = Math.random): RpcFaults {
  const faults = new Map<string, RpcFault>();
  return {
    set(spec) {
      const fault = parseFault(spec);
      faults.set(fault.method, fault);
      return fault;
    },
    clear: () => faults.clear(),
    list: () => [...faults.values()],
    pick(method) {
      const fault = faults.get(method) ?? faults.get('*');
      if (!fault || random() >= fault.fraction) return undefined;
      return Code[fault.code];
    },
  };
}
