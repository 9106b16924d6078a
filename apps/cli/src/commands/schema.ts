import type { ResolvedSchema } from '@lambda-mcp/core';
import { stringValue } from '../args.js';
import { type Context, withSpinner } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatJson } from '../ui/format.js';

/** What a tool shows when the function has no input schema: any JSON object. */
export const OPEN_OBJECT_SCHEMA = { type: 'object' } as const;

function describeSource(schema: ResolvedSchema): string {
  const s = schema.source;
  if (s.kind === 'none') return `no registry schema (${schema.dialect})`;
  return `${s.registryName}/${s.schemaName}${s.version ? ` version ${s.version}` : ''} (${s.type}, as JSON Schema ${schema.dialect})`;
}

function schemaToJson(schema: ResolvedSchema | undefined): Record<string, unknown> | null {
  if (!schema) return null;
  return { schema: schema.schema, dialect: schema.dialect, source: schema.source };
}

export async function runSchema(ctx: Context): Promise<ExitCode> {
  const name = ctx.positionals[0] ?? '';
  const version = stringValue(ctx.values, 'version');
  if (version !== undefined && version.trim() === '') {
    throw usageError('--version needs a schema version, e.g. --version 3.');
  }
  const wantExamples = ctx.values.examples === true;
  const services = await withSpinner(ctx, 'Loading configuration…', () => ctx.services());
  const { function: fn, qualifier } = await withSpinner(ctx, `Resolving ${name}…`, () =>
    services.discovery.resolve(name, { signal: ctx.signal }),
  );
  const schemas = await withSpinner(ctx, `Reading the schema of ${fn.name}…`, () =>
    services.schemas.getSchemas(fn, { signal: ctx.signal, ...(version === undefined ? {} : { version }) }),
  );
  const examples = wantExamples && schemas.input ? services.schemas.examples(schemas.input, 3) : [];
  const shownInput = schemas.input?.schema ?? OPEN_OBJECT_SCHEMA;

  if (ctx.flags.json) {
    ctx.printJson({
      function: fn.name,
      ...(qualifier ? { qualifier } : {}),
      inputSchema: shownInput,
      input: schemaToJson(schemas.input),
      output: schemaToJson(schemas.output),
      problems: schemas.problems,
      ...(wantExamples ? { examples } : {}),
    });
    return EXIT.OK;
  }

  const { out, err } = ctx;
  for (const problem of schemas.problems) ctx.note(`${err.yellow('warning:')} ${problem}`);
  ctx.print(
    `${out.bold('Input schema')} ${out.dim(
      schemas.input ? `— ${describeSource(schemas.input)}` : '— none: the tool accepts any JSON object',
    )}`,
  );
  ctx.print(formatJson(shownInput, out));
  if (schemas.output) {
    ctx.print();
    ctx.print(`${out.bold('Output schema')} ${out.dim(`— ${describeSource(schemas.output)}`)}`);
    ctx.print(formatJson(schemas.output.schema, out));
  }
  if (wantExamples) {
    ctx.print();
    if (!schemas.input) {
      ctx.print(
        `${out.bold('Examples')} ${out.dim('— none: without a schema any JSON object is accepted, e.g. {}')}`,
      );
    } else if (examples.length === 0) {
      ctx.print(`${out.bold('Examples')} ${out.dim('— none could be generated from this schema')}`);
    } else {
      ctx.print(out.bold(`Examples (${examples.length})`));
      examples.forEach((example, i) => {
        ctx.print(out.dim(`# ${i + 1}`));
        ctx.print(formatJson(example, out));
      });
    }
  }
  return EXIT.OK;
}
