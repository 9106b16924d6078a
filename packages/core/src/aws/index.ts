// @lambda-mcp/core/aws: the Backend over the AWS SDK v3 clients.
export type { AwsBackend, AwsBackendOptions } from './aws-backend.js';
export { createAwsBackend } from './aws-backend.js';
export type { AwsClients, AwsConnectionOptions, AwsCredentials } from './clients.js';
export type { AwsServices, CreateAwsServicesOptions } from './create-aws-services.js';
export { createAwsServices } from './create-aws-services.js';
export type { AwsErrorContext, AwsServiceName } from './errors.js';
export { mapAwsError } from './errors.js';
export type { InvokeRetryPolicy } from './invoke.js';
export { awsBackendOptionsFromConfig } from './options.js';
