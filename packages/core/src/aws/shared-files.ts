/**
 * Where the SDK finds the shared config and credentials files, and whether both are missing or
 * blank. A module of its own (node built-ins only): the stdio bin reads it before the server's
 * bundle is loaded (./early-listing.ts).
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
 * Whether the shared config and credentials files (where the SDK looks for them: AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials) are missing or blank.
 * Read as sharedConfigFilesEmptySync reads them: opened without blocking, only a regular file of at
 * most 64 KiB is read (and `/dev/null` is empty); anything else counts as not blank, so a named
 * pipe in their place is not waited on for ever.
 */
export async function sharedConfigFilesEmpty(env: Record<string, string | undefined>): Promise<boolean> {
  for (const file of sharedConfigFilePaths(env)) {
    let handle: FileHandle;
    try {
      handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return false;
    }
    try {
      const seen = byStat(file, await handle.stat());
      if (seen === 'blank') continue;
      if (seen === 'not blank' || (await handle.readFile('utf8')).trim() !== '') return false;
    } catch {
      return false;
    } finally {
      await handle.close().catch(() => {});
    }
  }
  return true;
}

/**
 * Whether the SDK's parser may read the shared files: each is missing, a regular file or
 * `/dev/null`. A named pipe or a device in their place would hold its read for good (it reads them
 * with no time limit), so the backend then does not hand them to it.
 */
export async function sharedConfigFilesParsable(env: Record<string, string | undefined>): Promise<boolean> {
  for (const file of sharedConfigFilePaths(env)) {
    let handle: FileHandle;
    try {
      handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch {
      // Missing, or unreadable (EACCES, a loop): the SDK's parser fails on it rather than waits.
      continue;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile() && byStat(file, stat) !== 'blank') return false;
    } catch {
      return false;
    } finally {
      await handle.close().catch(() => {});
    }
  }
  return true;
}

/**
 * sharedConfigFilesEmpty, read synchronously (the stdio bin's first lines, before any await): so
 * that nothing there can hold the thread, only a regular file of at most 64 KiB is read (and
 * `/dev/null`, a common setting, is empty); anything else counts as not blank. Opened without
 * blocking, so a named pipe in its place is seen for what it is instead of waited on.
 */
export function sharedConfigFilesEmptySync(env: Record<string, string | undefined>): boolean {
  for (const file of sharedConfigFilePaths(env)) {
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return false;
    }
    try {
      const seen = byStat(file, fstatSync(fd));
      if (seen === 'blank') continue;
      if (seen === 'not blank' || readFileSync(fd, 'utf8').trim() !== '') return false;
    } catch {
      return false;
    } finally {
      closeSync(fd);
    }
  }
  return true;
}

/** Shared files larger than this are not read: they are not blank (or not worth holding the start for). */
const READ_LIMIT = 64 * 1024;

/** What a shared file's stat says: blank without reading it, to be read, or not blank. */
function byStat(file: string, stat: Stats): 'blank' | 'read' | 'not blank' {
  if (file === '/dev/null' && stat.isCharacterDevice()) return 'blank';
  return stat.isFile() && stat.size <= READ_LIMIT ? 'read' : 'not blank';
}
