import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Open flags for a file of the cache directory: a symbolic link planted in its place is not
 * followed (O_NOFOLLOW), and a named pipe does not hold the opener waiting (O_NONBLOCK).
 */
export const NO_LINK_NO_WAIT = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Whether a file may be trusted as one this process's user wrote: a regular file (not a link, a
 * pipe or a device), owned by this user, that neither group nor others may write (POSIX modes;
 * Windows has neither owners nor modes to check here).
 */
export function isPrivateFile(stat: Stats): boolean {
  if (!stat.isFile()) return false;
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return false;
  if (process.platform !== 'win32' && (stat.mode & 0o022) !== 0) return false;
  return true;
}

/**
 * Reads a file of the server's own cache directory only if isPrivateFile holds for it; undefined
 * otherwise (missing, unreadable, or possibly someone else's). Opened with O_NOFOLLOW (a symbolic
 * link planted in its place is not followed) and O_NONBLOCK (a named pipe does not hold the reader
 * waiting for a writer), and checked on the open descriptor, so nothing can be swapped in between.
 */
export async function readPrivateFile(path: string): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | NO_LINK_NO_WAIT);
  } catch {
    return undefined;
  }
  try {
    if (!isPrivateFile(await handle.stat())) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
