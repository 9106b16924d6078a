/**
 * The AWS SDK modules, loaded on first use. A server warm-starting from its disk catalog cache
 * answers tools/list before it calls AWS at all, so it should not pay for loading five clients and
 * the credential providers first (about 230 ms as ES modules on a small machine). They are loaded
 * with require(): their CommonJS builds are single bundled files, about 2.5x faster to load than
 * their ES module trees, and a synchronous load keeps `backend.clients` synchronous.
 *
 * Bundlers: these specifiers are resolved at run time; keep `@aws-sdk/*` and `@smithy/core`
 * installed next to @lambda-mcp/core (or mark them external).
 */
import { createRequire } from 'node:module';
import type * as CloudWatchSdk from '@aws-sdk/client-cloudwatch';
import type * as LogsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as LambdaSdk from '@aws-sdk/client-lambda';
import type * as TaggingSdk from '@aws-sdk/client-resource-groups-tagging-api';
import type * as SchemasSdk from '@aws-sdk/client-schemas';
import type * as StsSdk from '@aws-sdk/client-sts';
import type * as CredentialProviders from '@aws-sdk/credential-providers';
import type * as SmithyConfig from '@smithy/core/config';

// Made on first use too: in the bundled bins, this module's URL is found with a package lookup
// (about 5 ms), which a start that never loads the SDK (lean reads, a warm start) does not need.
let load: NodeJS.Require | undefined;

function lazy<T>(specifier: string): () => T {
  let module: T | undefined;
  return () => {
    load ??= createRequire(import.meta.url);
    module ??= load(specifier) as T;
    return module;
  };
}

export const sdk = {
  lambda: lazy<typeof LambdaSdk>('@aws-sdk/client-lambda'),
  schemas: lazy<typeof SchemasSdk>('@aws-sdk/client-schemas'),
  cloudWatch: lazy<typeof CloudWatchSdk>('@aws-sdk/client-cloudwatch'),
  logs: lazy<typeof LogsSdk>('@aws-sdk/client-cloudwatch-logs'),
  tagging: lazy<typeof TaggingSdk>('@aws-sdk/client-resource-groups-tagging-api'),
  sts: lazy<typeof StsSdk>('@aws-sdk/client-sts'),
  credentials: lazy<typeof CredentialProviders>('@aws-sdk/credential-providers'),
  smithyConfig: lazy<typeof SmithyConfig>('@smithy/core/config'),
};
