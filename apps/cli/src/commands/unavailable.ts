import { isLambdaMcpError, parseFunctionReference, type Services } from '@lambda-mcp/core';
import { closest } from '../args.js';
import { CliError } from '../errors.js';

const MAX_LISTED = 12;

/**
 * Turns core's "not available" errors into one line for a person at a terminal: an excluded
 * function names the rule that excluded it; an unknown one gets a suggestion and the accepted
 * names. Anything else is returned unchanged.
 */
export async function explainUnavailable(
  services: Services,
  input: string,
  error: unknown,
  qualifier?: string,
): Promise<unknown> {
  if (!isLambdaMcpError(error)) return error;
  // Core says a catalog function has no such version or alias; say it the CLI's way (exit 2).
  if (error.code === 'INVALID_REQUEST' && error.details?.unknownQualifier === true) {
    const name = error.message.match(/^Function '([^']+)'/)?.[1] ?? input;
    return new CliError(
      'usage',
      'FUNCTION_NOT_FOUND',
      `function '${name}' has no version or alias '${String(error.details.qualifier)}'. Accepted: a version number or alias that exists for ${name}, or no qualifier for $LATEST.`,
      { cause: error },
    );
  }
  if (error.code !== 'FUNCTION_NOT_ALLOWED' && error.code !== 'FUNCTION_NOT_FOUND') return error;
  let name: string;
  try {
    const ref = parseFunctionReference(input);
    name = ref.name;
    qualifier ??= ref.qualifier;
  } catch {
    return error;
  }
  let explained: Awaited<ReturnType<Services['discovery']['explain']>>;
  try {
    explained = await services.discovery.explain();
  } catch {
    return error;
  }
  if (explained.included.some((f) => f.name === name)) {
    if (qualifier !== undefined && error.code === 'FUNCTION_NOT_FOUND') {
      return new CliError(
        'usage',
        'FUNCTION_NOT_FOUND',
        `function '${name}' has no version or alias '${qualifier}'. Accepted: a version number or alias that exists for ${name}, or no qualifier for $LATEST.`,
        { cause: error },
      );
    }
    // Anything else about a catalog function: core's message says it best.
    return error;
  }
  const excluded = explained.excluded.find((e) => e.function.name === name);
  if (excluded) {
    return new CliError(
      'usage',
      'FUNCTION_NOT_ALLOWED',
      `function '${name}' is excluded by the configured filters (${excluded.reason}). Accepted: the functions \`lambda-mcp functions\` lists; \`lambda-mcp functions --all\` shows every exclusion.`,
      { cause: error },
    );
  }
  // A local folder of that name whose manifest is wrong: say what is wrong with it.
  const unusable = (await services.backend.unusableFunctions?.().catch(() => [])) ?? [];
  const broken = unusable.find((u) => u.name === name);
  if (broken) {
    return new CliError(
      'usage',
      'INVALID_MANIFEST',
      `local function '${name}' is not loaded: ${broken.problem} (${broken.location}). Fix its function.json; \`lambda-mcp functions --all\` lists every folder that is not loaded.`,
      { cause: error },
    );
  }
  const names = [...new Set(explained.included.map((f) => f.name))].sort();
  const suggestion = closest(name, names);
  const shown =
    names.slice(0, MAX_LISTED).join(', ') + (names.length > MAX_LISTED ? `, … (${names.length} in all)` : '');
  return new CliError(
    'usage',
    'FUNCTION_NOT_FOUND',
    `unknown function '${name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}. Accepted: ${
      names.length ? shown : 'none: no function matches the configured filters'
    }.`,
    { cause: error },
  );
}

/** `services.discovery.resolve` with the explanation above on failure. */
export async function resolveFunction(
  services: Services,
  input: string,
  signal: AbortSignal,
  qualifier?: string,
  options: { verifyQualifier?: boolean } = {},
): Promise<Awaited<ReturnType<Services['discovery']['resolve']>>> {
  try {
    return await services.discovery.resolve(input, {
      signal,
      ...(qualifier === undefined ? {} : { qualifier }),
      ...(options.verifyQualifier ? { verifyQualifier: true } : {}),
    });
  } catch (error) {
    throw await explainUnavailable(services, input, error);
  }
}
