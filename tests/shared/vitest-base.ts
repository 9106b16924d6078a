/**
 * The test settings every package's vitest.config.ts starts from (plain data, no vitest import, so
 * any package can load it): its test files, generous bounds (not speed checks) and an environment
 * that keeps the AWS SDK off real AWS (static credentials, a region, no instance metadata, no
 * shared config files). A package passes what differs; `env` is merged over the offline one.
 */
export const OFFLINE_AWS_ENV: Readonly<Record<string, string>> = {
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'AKIDTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

export function baseTestOptions<T extends { env?: Record<string, string> }>(options: T = {} as T) {
  return {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    ...options,
    env: { ...OFFLINE_AWS_ENV, ...options.env },
  };
}
