/**
 * Where the SDK finds the shared config and credentials files, and whether both are missing or
 * blank. A module of its own (node built-ins only): the stdio bin reads it before the server's
 * bundle is loaded (./early-listing.ts).
 *
 * The files are opened without blocking and only a regular file of at most 64 KiB is read
 * (`/dev/null`, a common setting, is blank): a named pipe or a device in their place is seen for
 * what it is instead of waited on for good (the SDK's own parser reads them with no time limit).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, sep } from 'node:path';

/** The two files as the SDK finds them: AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/. */
export function sharedConfigFilePaths(env: Record<string, string | undefined>): string[] {
  // As the SDK finds them: the paths profileFingerprint passes, else its defaults from process.env.
  const { HOME, USERPROFILE, HOMEPATH, HOMEDRIVE = `C:${sep}` } = process.env;
  const home = HOME || USERPROFILE || (HOMEPATH ? `${HOMEDRIVE}${HOMEPATH}` : homedir());
  return [
    env.AWS_CONFIG_FILE || process.env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    env.AWS_SHARED_CREDENTIALS_FILE ||
      process.env.AWS_SHARED_CREDENTIALS_FILE ||
      join(home, '.aws', 'credentials'),
  ].map((file) => (file.startsWith('~/') ? join(home, file.slice(2)) : file));
}

/**
 * What the shared files hold: `blank` (both missing or blank), `unparsable` (one is a named pipe, a
 * device or a file that cannot be read: not to be handed to the SDK's parser), or `content`.
 */
export type SharedFilesState = 'blank' | 'content' | 'unparsable';

/** The shared files' state, each file opened once (the backend's scope and lean-read decision). */
export async function sharedConfigFilesState(
  env: Record<string, string | undefined>,
): Promise<SharedFilesState> {
  return combined(await Promise.all(sharedConfigFilePaths(env).map(fileState)));
}

/**
 * Whether the shared config and credentials files (where the SDK looks for them: AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials) are missing or blank.
 */
export async function sharedConfigFilesEmpty(env: Record<string, string | undefined>): Promise<boolean> {
  return (await sharedConfigFilesState(env)) === 'blank';
}

/** sharedConfigFilesEmpty, read synchronously (the stdio bin's first lines, before any await). */
export function sharedConfigFilesEmptySync(env: Record<string, string | undefined>): boolean {
  return combined(sharedConfigFilePaths(env).map(fileStateSync)) === 'blank';
}

function combined(states: SharedFilesState[]): SharedFilesState {
  if (states.every((s) => s === 'blank')) return 'blank';
  return states.includes('unparsable') ? 'unparsable' : 'content';
}

async function fileState(file: string): Promise<SharedFilesState> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    // Missing: blank. Unreadable (EACCES, a loop): not blank, and the SDK's parser fails on it
    // rather than waits.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'blank' : 'content';
  }
  try {
    const seen = byStat(file, await handle.stat());
    if (seen !== 'read') return seen;
    return (await handle.readFile('utf8')).trim() === '' ? 'blank' : 'content';
  } catch {
    return 'unparsable';
  } finally {
    await handle.close().catch(() => {});
  }
}

function fileStateSync(file: string): SharedFilesState {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'blank' : 'content';
  }
  try {
    const seen = byStat(file, fstatSync(fd));
    if (seen !== 'read') return seen;
    return readFileSync(fd, 'utf8').trim() === '' ? 'blank' : 'content';
  } catch {
    return 'unparsable';
  } finally {
    closeSync(fd);
  }
}

/** Shared files larger than this are not read: they are not blank (or not worth holding the start for). */
const READ_LIMIT = 64 * 1024;

/** What a shared file's stat says without reading it, or `read` (a small regular file). */
function byStat(file: string, stat: Stats): SharedFilesState | 'read' {
  if (file === '/dev/null' && stat.isCharacterDevice()) return 'blank';
  if (!stat.isFile()) return 'unparsable';
  return stat.size <= READ_LIMIT ? 'read' : 'content';
}
