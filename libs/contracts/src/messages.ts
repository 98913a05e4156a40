import {
  type Envelope,
  InvalidMessageError,
  type NewMessage,
  outboxMessage,
  type Route,
} from '@saga/messaging';
import type { OutboxMessage } from '@saga/outbox';

/** The subset of a ts-proto message codec the registry uses. */
export type JsonCodec<T> = {
  readonly fromJSON: (object: unknown) => T;
  readonly toJSON: (message: T) => unknown;
};

/**
 * A message type of the platform: its name (the envelope's `type`), schema version, default
 * topic, codec generated from the .proto, and the string fields that must not be empty.
 */
export type MessageDef<T> = {
  readonly type: string;
  readonly version: number;
  readonly topic: string;
  readonly codec: JsonCodec<T>;
  readonly required: readonly (keyof T & string)[];
};

/** Defines a message type. */
export function defineMessage<T>(def: MessageDef<T>): MessageDef<T> {
  return Object.freeze(def);
}

/**
 * Validates a decoded JSON payload against a message type and returns the typed message.
 * Proto3 JSON omits default values, so only identifiers listed in `required` are checked for
 * presence; everything else takes its proto3 default.
 *
 * @throws {InvalidMessageError} when the payload is not an object or a required field is
 *   missing or empty (the consumer dead-letters it: retrying cannot fix it).
 */
export function parseMessage<T>(def: MessageDef<T>, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidMessageError(`${def.type} v${def.version}: payload is not an object`);
  }
  for (const field of def.required) {
    const value = (payload as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new InvalidMessageError(`${def.type} v${def.version}: ${field} is required`);
    }
  }
  try {
    return def.codec.fromJSON(payload);
  } catch (err) {
    throw new InvalidMessageError(`${def.type} v${def.version}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Envelope fields a producer chooses besides the payload. */
export type MessageOptions = Omit<NewMessage<unknown>, 'type' | 'version' | 'payload'> & {
  /** Another topic than the type's default (a command's reply topic). */
  readonly topic?: string;
};

/**
 * An outbox message of a registered type, its payload encoded as proto3 JSON. Enqueue it in
 * the transaction that makes the change it announces.
 */
export function messageOf<T>(
  def: MessageDef<T>,
  payload: T,
  options: MessageOptions,
): OutboxMessage & { readonly id: string } {
  const { topic, ...envelope } = options;
  return outboxMessage(topic ?? def.topic, {
    ...envelope,
    type: def.type,
    version: def.version,
    payload: def.codec.toJSON(payload),
  });
}

/**
 * A consumer route for a registered type: validates with {@link parseMessage}, then hands the
 * typed envelope to `handle`. Returns `[type, route]` for `Object.fromEntries`.
 */
export function routeOf<T>(
  def: MessageDef<T>,
  handle: (envelope: Envelope<T>) => Promise<void>,
): [string, Route] {
  return [
    def.type,
    {
      versions: { [def.version]: (payload: unknown) => parseMessage(def, payload) },
      handle: (envelope) => handle(envelope as Envelope<T>),
    },
  ];
}
