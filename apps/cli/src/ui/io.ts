/** What a command may touch of the outside world. The bin passes the real process streams. */
export interface OutputStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Colour on a stream: off with --no-color, off when NO_COLOR is set (https://no-color.org), forced
 * on or off by FORCE_COLOR, otherwise on only for a terminal that is not `dumb`.
 */
export function colorEnabled(
  stream: OutputStream,
  env: Record<string, string | undefined>,
  noColorFlag: boolean,
): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (!stream.isTTY) return false;
  return env.TERM !== 'dumb';
}
