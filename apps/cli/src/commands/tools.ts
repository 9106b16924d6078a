import { closest } from '../args.js';
import { type Context, withSpinner } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatJson, wrapText } from '../ui/format.js';
import { listTools, type ToolListing } from './tool-catalog.js';

function annotationSummary(tool: ToolListing['tools'][number]): string {
  const a = tool.annotations as unknown as Record<string, unknown> | undefined;
  if (!a) return '-';
  const flags: string[] = [];
  if (a.readOnlyHint === true) flags.push('read-only');
  if (a.destructiveHint === true) flags.push('destructive');
  if (a.idempotentHint === true) flags.push('idempotent');
  if (a.openWorldHint === true) flags.push('open-world');
  return flags.length ? flags.join(', ') : 'none';
}

export async function runTools(ctx: Context): Promise<ExitCode> {
  const only = ctx.positionals[0];
  const services = await withSpinner(ctx, 'Loading configuration…', () => ctx.services());
  const listing = await withSpinner(ctx, 'Building the tool catalog…', () => listTools(services));
  let tools = listing.tools;
  if (only !== undefined) {
    tools = tools.filter((t) => t.name === only);
    if (tools.length === 0) {
      const names = listing.tools.map((t) => t.name);
      const suggestion = closest(only, names);
      throw usageError(
        `unknown tool '${only}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}. Accepted: ${names.join(', ') || '(no tools)'}.`,
      );
    }
  }
  // Discovery failed (backend refused or down): the listing is what a client would see, but the
  // command failed, with the backend-failure code.
  const done = listing.discoveryFailed ? EXIT.FAILURE : EXIT.OK;
  if (ctx.flags.json) {
    // Exactly the `tools/list` result a client receives.
    ctx.printJson({ tools });
    if (listing.discoveryFailed) ctx.note(`${ctx.err.red('error:')} ${listing.notes[0]}`);
    return done;
  }
  const { out, err } = ctx;
  for (const note of listing.notes) ctx.note(`${err.yellow('note:')} ${note}`);
  const width = Math.min(ctx.width ?? 100, 120);
  tools.forEach((tool, i) => {
    if (i > 0) ctx.print();
    ctx.print(
      `${out.bold(out.cyan(tool.name))}${tool.title && tool.title !== tool.name ? `  ${out.dim(tool.title)}` : ''}`,
    );
    ctx.print(wrapText(tool.description, width, '  '));
    ctx.print(`  ${out.bold('annotations:')} ${annotationSummary(tool)}`);
    ctx.print(`  ${out.bold('inputSchema:')}`);
    ctx.print(indent(formatJson(tool.inputSchema, out), '    '));
    if (tool.outputSchema) {
      ctx.print(`  ${out.bold('outputSchema:')}`);
      ctx.print(indent(formatJson(tool.outputSchema, out), '    '));
    }
  });
  if (ctx.interactive && only === undefined) {
    ctx.print();
    ctx.print(out.dim(`${tools.length} tool${tools.length === 1 ? '' : 's'}`));
  }
  return done;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
