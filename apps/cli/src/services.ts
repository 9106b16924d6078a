import { type Config, type Logger, loadConfig, type Services } from '@lambda-mcp/core';
import type { GlobalFlags } from './context.js';
import type { Io } from './ui/io.js';

/** Flags -> configuration: flags over environment over the config file, validated by core. */
export function configFromFlags(flags: GlobalFlags, io: Io): Config {
  return loadConfig({
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
}

/**
 * Configuration -> backend -> the four services. The AWS backend is imported only when used, so
 * `--local` runs never load the AWS SDK. The CLI always discovers live: no disk catalog cache
 * (a one-shot command must not show the last run's catalog).
 */
export async function createServicesFromFlags(flags: GlobalFlags, io: Io, logger: Logger): Promise<Services> {
  const loaded = configFromFlags(flags, io);
  const config: Config = { ...loaded, diskCache: false, refreshIntervalSeconds: 0 };
  const { createServicesForConfig } = await import('@lambda-mcp/core/from-config');
  // The catalog is always live; the local history other runs (and servers) share follows the
  // user's own disk-cache setting, so monitor and logs show what ran before.
  return createServicesForConfig(config, {
    logger,
    cwd: io.cwd,
    env: io.env,
    localHistory: loaded.diskCache,
  });
}
