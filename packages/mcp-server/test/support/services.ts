/**
 * The real core services (`createServices`) over the in-memory backend, for the tool layer's
 * tests: what the tests exercise is the code that runs in production, down to the Backend.
 */
import { type ConfigInput, createServices, type LambdaMcpError, type Services } from '@lambda-mcp/core';
import { createMemoryBackend, type FakeFunction, type SeenInvocation } from './memory-backend.js';

export type { FakeFunction, Handler, HandlerContext } from './memory-backend.js';
export { fnInfo, functionError, schema2020 } from './memory-backend.js';

export interface InMemoryServices extends Services {
  setFunctions(functions: FakeFunction[]): void;
  failDiscovery(error: LambdaMcpError | undefined): void;
  /** What the backend was asked to run (after every check of the services). */
  invocations: SeenInvocation[];
  /** Aborted invocations, by function name. */
  aborted: string[];
}

export function createInMemoryServices(
  functions: FakeFunction[],
  configInput: Partial<ConfigInput> = {},
): InMemoryServices {
  const backend = createMemoryBackend(functions);
  const services = createServices({
    backend,
    config: { backend: 'local', diskCache: false, ...configInput },
  });
  return {
    ...services,
    invocations: backend.invocations,
    aborted: backend.aborted,
    setFunctions: (next) => backend.setFunctions(next),
    failDiscovery: (error) => backend.failDiscovery(error),
  };
}
