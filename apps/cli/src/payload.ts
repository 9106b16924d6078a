import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { usageError } from './errors.js';
import type { Io } from './ui/io.js';

const ACCEPTED = 'Accepted: inline JSON, @file.json, or - to read stdin.';

/**
 * Reads `--payload`: inline JSON, `@file.json` (relative to the working directory) or `-` (stdin).
 * Anything that is not JSON is a usage error naming where it came from and where it broke.
 */
export async function readPayload(spec: string | undefined, io: Io): Promise<unknown> {
  if (spec === undefined) return {};
  let text: string;
  let source: string;
  if (spec === '-') {
    source = 'stdin';
    text = await readStream(io.stdin);
  } else if (spec.startsWith('@')) {
    const file = spec.slice(1);
    if (!file) throw usageError(`--payload @ needs a file name, e.g. --payload @event.json. ${ACCEPTED}`);
    source = file;
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code === 'EACCES'
              ? 'permission denied'
              : (error as Error).message;
      throw usageError(`cannot read payload file '${file}': ${why}. ${ACCEPTED}`);
    }
  } else {
    source = 'the --payload value';
    text = spec;
  }
  if (text.trim() === '') {
    throw usageError(`the payload from ${source} is empty. ${ACCEPTED}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message.replace(/^JSON\.parse: /, '');
    throw usageError(`the payload from ${source} is not valid JSON (${reason}). ${ACCEPTED}`);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
