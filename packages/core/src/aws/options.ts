import type { Config } from '../config/schema.js';
import type { AwsBackendOptions } from './aws-backend.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './http-limits.js';

/** The AWS backend's options from the validated configuration (only what is set). */
export function awsBackendOptionsFromConfig(config: Config): AwsBackendOptions {
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
    ...(config.roleArn ? { roleArn: config.roleArn } : {}),
    ...(config.roleExternalId ? { roleExternalId: config.roleExternalId } : {}),
    ...(config.roleArn && config.roleSessionName ? { roleSessionName: config.roleSessionName } : {}),
    ...(config.awsConnectTimeoutMs !== DEFAULT_CONNECT_TIMEOUT_MS
      ? { connectTimeoutMs: config.awsConnectTimeoutMs }
      : {}),
    ...(config.awsRequestTimeoutMs !== DEFAULT_REQUEST_TIMEOUT_MS
      ? { requestTimeoutMs: config.awsRequestTimeoutMs }
      : {}),
    // A list and no prefix: read only the listed functions (no account-wide permission needed).
    ...(config.functionList.length > 0 && config.functionPrefixes.length === 0
      ? { explicitList: { entries: config.functionList, trust: config.trustFunctionList } }
      : {}),
  };
}
