/**
 * @saga/contracts: the platform's contracts. The .proto files under proto/ are the source of
 * truth for gRPC services, events and commands; TypeScript is generated from them at install
 * (src/gen, never committed). Import generated types from the subpaths (`@saga/contracts/order`,
 * …) and the message registry from here. See docs/patterns/contracts.md.
 */
export {
  defineMessage,
  type JsonCodec,
  type MessageDef,
  type MessageOptions,
  messageOf,
  parseMessage,
  routeOf,
} from './messages.ts';
export { ALL_TOPICS, COMMANDS, EVENTS, TOPICS } from './registry.ts';
