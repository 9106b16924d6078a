// @lambda-mcp/aws-emulator: AWS wire protocols on 127.0.0.1 for tests and benchmarks.
export type {
  Emulator,
  EmulatorOptions,
  EmulatorRequestRecord,
  FaultKind,
  FaultOptions,
  PolicyDocument,
  PolicyStatementDoc,
  QuotaOptions,
} from './emulator.js';
export { startEmulator } from './emulator.js';
export { LAMBDA_CONTROL_PLANE_RPS, LAMBDA_GET_FUNCTION_RPS } from './quotas.js';
export { parseAuthorization, verifySignature } from './sigv4.js';
export type { SyntheticCatalogOptions } from './synthetic.js';
export { syntheticCatalog } from './synthetic.js';
