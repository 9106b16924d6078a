import { isLambdaMcpError, type ResolvedSchema } from '@lambda-mcp/core';
import { openObjectSchema } from '@lambda-mcp/core/internal';
import { stringValue } from '../args.js';
import { type Context, withSpinner } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatJson } from '../ui/format.js';
import { toolForFunction } from './tool-catalog.js';
import { resolveFunction } from './unavailable.js';

function describeSource(schema: ResolvedSchema | undefined): string {
  if (!schema || schema.source.kind === 'none') return 'none: the tool accepts any JSON object';
  const s = schema.source;
  return `${s.registryName}/${s.schemaName}${s.version ? ` version ${s.version}` : ''} (${s.type}, JSON Schema ${schema.dialect})`;
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
    resolveFunction(services, name, ctx.signal, undefined, { verifyQualifier: true }),
  );
  if (version !== undefined && !fn.inputSchemaArn) {
    throw usageError(
      `--version applies to registry schemas, and ${fn.name} has no input schema tag (${services.config.inputSchemaArnTagKey}).`,
    );
  }
  const schemas = await withSpinner(ctx, `Reading the schema of ${fn.name}…`, () =>
    services.schemas.getSchemas(fn, { signal: ctx.signal, ...(version === undefined ? {} : { version }) }),
  ).catch((error: unknown) => {
    // An unknown version is the caller's input: one line naming the versions that exist, exit 2.
    if (
      version !== undefined &&
      fn.inputSchemaArn &&
      isLambdaMcpError(error) &&
      error.code === 'SCHEMA_NOT_FOUND'
    ) {
      const which = /has no version "[^"]*":? ?([^.]*)/.exec(error.message)?.[1];
      throw usageError(
        `--version ${version}: no version ${version} of ${fn.inputSchemaArn}${which ? ` (${which})` : ''}. Accepted: an existing version, or no --version for the latest.`,
      );
    }
    throw error;
  });
  if (version !== undefined && (!schemas.input || schemas.input.source.kind === 'none')) {
    throw usageError(
      fn.inputSchemaArn
        ? `--version ${version}: ${(schemas.problems[0] ?? 'no such schema version').replace(/;? ?the input is an open object\.?$/, '').replace(/\.$/, '')}. Accepted: an existing version of ${fn.inputSchemaArn}, or no --version for the latest.`
        : `--version applies to registry schemas, and ${fn.name} has no input schema tag (${services.config.inputSchemaArnTagKey}).`,
    );
  }
  // The latest schema is what the function's MCP tool shows: take it from the tool catalog itself.
  const tool = version === undefined ? await toolForFunction(services, fn) : undefined;
  const input = schemas.input ?? openObjectSchema();
  const inputSchema = tool?.definition.inputSchema ?? input.schema;
  const outputSchema = tool ? tool.definition.outputSchema : schemas.output?.schema;
  const problems = [...new Set([...schemas.problems, ...(tool?.problems ?? [])])];
  const examples = wantExamples ? services.schemas.examples(input, 3) : [];

  if (ctx.flags.json) {
    ctx.printJson({
      function: fn.name,
      ...(qualifier ? { qualifier } : {}),
      tool: tool?.name ?? null,
      inputSchema,
      outputSchema: outputSchema ?? null,
      input: { dialect: input.dialect, source: input.source },
      output: schemas.output ? { dialect: schemas.output.dialect, source: schemas.output.source } : null,
      problems,
      ...(wantExamples ? { examples } : {}),
    });
    return EXIT.OK;
  }

  const { out, err } = ctx;
  for (const problem of problems) ctx.note(`${err.yellow('warning:')} ${problem}`);
  if (version === undefined && !tool) {
    ctx.note(
      err.dim(
        `${fn.name} has no tool of its own (generic tools only, or over the tool cap); clients reach it through invoke_function.`,
      ),
    );
  }
  const heading = tool ? `Tool ${out.cyan(tool.name)}` : `Function ${out.cyan(fn.name)}`;
  ctx.print(out.bold(heading));
  ctx.print();
  ctx.print(`${out.bold('Input schema')} ${out.dim(`— ${describeSource(schemas.input)}`)}`);
  ctx.print(formatJson(inputSchema, out));
  if (outputSchema) {
    ctx.print();
    ctx.print(`${out.bold('Output schema')} ${out.dim(`— ${describeSource(schemas.output)}`)}`);
    ctx.print(formatJson(outputSchema, out));
  }
  if (wantExamples) {
    ctx.print();
    if (examples.length === 0) {
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
