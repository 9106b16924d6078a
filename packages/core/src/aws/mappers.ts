import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { FunctionConfig, Tags } from '../types.js';

/** `arn:aws:lambda:r:acct:function:name[:qualifier]` -> the ARN without the qualifier. */
export function unqualifyArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 && parts[5] === 'function' ? parts.slice(0, 7).join(':') : arn;
}

/** Maps Lambda's FunctionConfiguration; `LastModified` is passed through unchanged. */
export function toFunctionConfig(
  fc: FunctionConfiguration,
  extra: { tags?: Tags; reservedConcurrency?: number } = {},
): FunctionConfig {
  const name = fc.FunctionName ?? '';
  const logFormat = fc.LoggingConfig?.LogFormat;
  const config: FunctionConfig = {
    name,
    arn: unqualifyArn(fc.FunctionArn ?? ''),
    timeoutSeconds: fc.Timeout ?? 3,
    memorySizeMb: fc.MemorySize ?? 128,
    logGroup: fc.LoggingConfig?.LogGroup || `/aws/lambda/${name}`,
  };
  if (fc.Runtime !== undefined) config.runtime = fc.Runtime;
  if (fc.Description !== undefined) config.description = fc.Description;
  if (fc.Handler !== undefined) config.handler = fc.Handler;
  if (fc.LastModified !== undefined) config.lastModified = fc.LastModified;
  if (fc.Version !== undefined) config.version = fc.Version;
  if (fc.State !== undefined) config.state = fc.State;
  if (fc.StateReason !== undefined) config.stateReason = fc.StateReason;
  if (fc.PackageType !== undefined) config.packageType = fc.PackageType;
  if (fc.Architectures !== undefined) config.architectures = [...fc.Architectures];
  if (logFormat === 'Text' || logFormat === 'JSON') config.logFormat = logFormat;
  if (extra.reservedConcurrency !== undefined) config.reservedConcurrency = extra.reservedConcurrency;
  if (extra.tags !== undefined) config.tags = { ...extra.tags };
  return config;
}

/** Tagging API `[{Key, Value}]` -> `{key: value}`. */
export function tagListToTags(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}
