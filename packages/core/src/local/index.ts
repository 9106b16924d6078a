// @lambda-mcp/core/local: an offline, Lambda-like backend over a directory of Node.js functions.
export type { SyntheticContext, SyntheticFunctionSpec, SyntheticHandler } from './catalog.js';
export type { CreateLocalServicesOptions, LocalServices } from './create-local-services.js';
export { createLocalServices } from './create-local-services.js';
export type { LogMatcher } from './filter-pattern.js';
export { compileFilterPattern } from './filter-pattern.js';
export {
  createHistoryFile,
  DEFAULT_HISTORY_MAX_BYTES,
  decodeHistoryRecord,
  encodeHistoryRecord,
  type HistoryEntry,
  type InvocationHistory,
  localHistoryFile,
} from './history.js';
export type { LocalBackend, LocalBackendOptions, LocalFunctionStats } from './local-backend.js';
export { createLocalBackend, LOCAL_LIMITS } from './local-backend.js';
export type { ReportFields } from './log-format.js';
export { billedDurationMs, logStreamName, logTail, reportLine, TAIL_BYTES } from './log-format.js';
export type { Manifest } from './manifest.js';
export { MANIFEST_FILE, ManifestSchema } from './manifest.js';
export type { RecordStoreOptions } from './records.js';
