import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type Config,
  createServices,
  LambdaMcpError,
  type Logger,
  loadConfig,
  type Services,
} from '@lambda-mcp/core';
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
  if (config.backend === 'local') {
    const dir = resolve(io.cwd, config.localDir ?? 'functions');
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        `the local functions directory '${dir}' does not exist. Accepted: a folder with one sub-folder per function (each with a function.json), e.g. --local examples/functions.`,
      );
    }
    const { createLocalBackend, localHistoryFile } = await import('@lambda-mcp/core/local');
    const backend = createLocalBackend({
      dir,
      // The history other runs (and servers) share, so monitor and logs show what ran before.
      historyFile: localHistoryFile(loaded, dir, io.env),
      logger: logger.child({ component: 'local-backend' }),
      ...(config.region ? { region: config.region } : {}),
      inputSchemaArnTagKey: config.inputSchemaArnTagKey,
      outputSchemaArnTagKey: config.outputSchemaArnTagKey,
    });
    return createServices({ backend, config: { ...config, localDir: dir }, logger });
  }
  const { createAwsServices } = await import('@lambda-mcp/core/aws');
  return createAwsServices(config, { logger });
}
