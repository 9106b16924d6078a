import { createServices, type Logger, loadConfig, type Services } from '@lambda-mcp/core';
import type { GlobalFlags } from './context.js';
import type { Io } from './ui/io.js';

/**
 * Flags -> configuration (flags over environment over config file) -> backend -> the four
 * services. The AWS backend is imported only when used, so `--local` runs never load the AWS SDK.
 */
export async function createServicesFromFlags(flags: GlobalFlags, io: Io, logger: Logger): Promise<Services> {
  const config = loadConfig({
    flags: {
      local: flags.local,
      region: flags.region,
      profile: flags.profile,
      config: flags.config,
      'log-level': flags.logLevel,
    },
    env: io.env,
    cwd: io.cwd,
  });
  if (config.backend === 'local') {
    const { createLocalBackend } = await import('@lambda-mcp/core/local');
    const backend = await createLocalBackend({ dir: config.localDir ?? 'functions', logger });
    return createServices({ backend, config, logger });
  }
  const { createAwsBackend } = await import('@lambda-mcp/core/aws');
  const backend = await createAwsBackend({ config, logger });
  return createServices({ backend, config, logger });
}
