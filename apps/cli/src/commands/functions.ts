import type { ExcludedFunction, FunctionInfo, UnusableFunction } from '@lambda-mcp/core';
import { formatFunctionKey } from '@lambda-mcp/core';
import { type Context, withSpinner } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatTags } from '../ui/format.js';
import { renderTable } from '../ui/table.js';

/** `arn:aws:schemas:us-east-1:123:schema/registry/name` -> `registry/name`. */
export function shortSchemaName(arn: string | undefined): string {
  if (!arn) return '-';
  const match = /:schema\/(.+)$/.exec(arn);
  return match?.[1] ?? arn;
}

export function functionToJson(fn: FunctionInfo): Record<string, unknown> {
  return {
    name: fn.name,
    arn: fn.arn,
    ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
    runtime: fn.runtime ?? null,
    description: fn.description ?? '',
    memorySizeMb: fn.memorySizeMb,
    timeoutSeconds: fn.timeoutSeconds,
    tags: fn.tags,
    inputSchemaArn: fn.inputSchemaArn ?? null,
    outputSchemaArn: fn.outputSchemaArn ?? null,
    lastModified: fn.lastModified ?? null,
  };
}

export async function runFunctions(ctx: Context): Promise<ExitCode> {
  const all = ctx.values.all === true;
  const services = await withSpinner(ctx, 'Loading configuration…', () => ctx.services());
  let included: FunctionInfo[];
  let excluded: ExcludedFunction[] = [];
  let problems: string[] = [];
  if (all) {
    const explained = await withSpinner(ctx, 'Discovering functions…', () =>
      services.discovery.explain({ signal: ctx.signal }),
    );
    included = explained.included;
    excluded = explained.excluded;
  } else {
    const catalog = await withSpinner(ctx, 'Discovering functions…', () =>
      services.discovery.getCatalog({ signal: ctx.signal }),
    );
    included = catalog.functions;
    problems = catalog.problems ?? [];
  }
  // Local folders whose manifest is wrong: listed with --all, a warning otherwise (never hidden).
  const unusable: UnusableFunction[] =
    (await services.backend.unusableFunctions?.({ signal: ctx.signal })) ?? [];
  included = [...included].sort((a, b) => displayName(a).localeCompare(displayName(b)));
  excluded = [...excluded].sort((a, b) => a.function.name.localeCompare(b.function.name));

  if (ctx.flags.json) {
    ctx.printJson({
      functions: included.map(functionToJson),
      count: included.length,
      ...(problems.length ? { problems } : {}),
      ...(unusable.length ? { notLoaded: unusable, notLoadedCount: unusable.length } : {}),
      ...(all
        ? {
            excluded: excluded.map((e) => ({ ...functionToJson(e.function), reason: e.reason })),
            excludedCount: excluded.length,
          }
        : {}),
    });
    return EXIT.OK;
  }

  const { out } = ctx;
  for (const problem of problems) ctx.note(`${ctx.err.yellow('warning:')} ${problem}`);
  if (!all) {
    for (const u of unusable) {
      ctx.note(
        `${ctx.err.yellow('warning:')} local function '${u.name}' is not loaded: ${u.problem} (\`lambda-mcp functions --all\` lists it)`,
      );
    }
  }
  // The schema ARN tags have their own column.
  const schemaTagKeys = [services.config.inputSchemaArnTagKey, services.config.outputSchemaArnTagKey];
  if (included.length === 0) {
    ctx.note(
      all
        ? 'No function matches the configured filters.'
        : 'No function matches the configured filters. Run `lambda-mcp functions --all` to see why.',
    );
  } else {
    ctx.print(
      renderTable(
        [
          { header: 'NAME' },
          { header: 'RUNTIME' },
          { header: 'MEMORY', align: 'right' },
          { header: 'TIMEOUT', align: 'right' },
          { header: 'TAGS', flex: true, minWidth: 10 },
          { header: 'SCHEMA', flex: true, minWidth: 10 },
        ],
        included.map((fn) => [
          out.bold(displayName(fn)),
          fn.runtime ?? '-',
          `${fn.memorySizeMb} MB`,
          `${fn.timeoutSeconds} s`,
          formatTags(withoutKeys(fn.tags, schemaTagKeys)) || '-',
          fn.inputSchemaArn ? out.cyan(shortSchemaName(fn.inputSchemaArn)) : out.dim('-'),
        ]),
        { style: out, ...(ctx.width === undefined ? {} : { maxWidth: ctx.width }) },
      ),
    );
  }
  if (all && excluded.length > 0) {
    ctx.print();
    ctx.print(out.bold(`Excluded by the filters (${excluded.length}):`));
    ctx.print(
      renderTable(
        [{ header: 'NAME' }, { header: 'RUNTIME' }, { header: 'REASON', flex: true, minWidth: 20 }],
        excluded.map((e) => [e.function.name, e.function.runtime ?? '-', out.yellow(e.reason)]),
        { style: out, ...(ctx.width === undefined ? {} : { maxWidth: ctx.width }) },
      ),
    );
  }
  if (all && unusable.length > 0) {
    ctx.print();
    ctx.print(out.bold(`Not loaded: the manifest is wrong (${unusable.length}):`));
    ctx.print(
      renderTable(
        [{ header: 'NAME' }, { header: 'FOLDER' }, { header: 'PROBLEM', flex: true, minWidth: 20 }],
        unusable.map((u) => [u.name, u.location, out.red(u.problem)]),
        { style: out, ...(ctx.width === undefined ? {} : { maxWidth: ctx.width }) },
      ),
    );
  }
  if (ctx.interactive) {
    const summary = `${included.length} function${included.length === 1 ? '' : 's'} exposed as tools`;
    ctx.print(out.dim(all ? `\n${summary}, ${excluded.length} excluded` : `\n${summary}`));
  }
  return EXIT.OK;
}

function withoutKeys(tags: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !keys.includes(k)));
}

function displayName(fn: FunctionInfo): string {
  return formatFunctionKey(fn.name, fn.qualifier);
}
