/**
 * One process per embedded data folder. PGlite runs PostgreSQL inside the process, and
 * nothing in it stops a second process from opening the same folder: both then run, and
 * each overwrites what the other wrote (two `npm start`s, or `kairos migrate` next to a
 * running server, lose data without an error). So the folder is locked while it is open.
 *
 * The lock is a directory (`kairos.lock` inside the data folder) whose modification time
 * the holder refreshes every few seconds (proper-lockfile). A lock not refreshed for
 * STALE_MS belongs to a process that is gone — killed, or on a machine that lost power —
 * and is taken over; this works for a folder on a volume shared by containers, where
 * process ids say nothing. A clean stop removes the lock at once.
 */
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';

/** A lock not refreshed for this long is stale (its holder has gone). */
export const STALE_MS = 15_000;
/** How often the holder refreshes its lock. */
const UPDATE_MS = 3_000;
/** A start waits this long by default for a lock to be released or to go stale. */
export const DEFAULT_WAIT_MS = STALE_MS + 2 * UPDATE_MS;

export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `the data folder ${dataDir} is in use by another Kairos process (or \`kairos migrate\`). ` +
        'Stop it first, or set KAIROS_DATA_DIR to another folder. ' +
        `(A process that was killed frees the folder within ${STALE_MS / 1000} s.)`,
    );
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * Locks `dataDir` (which must exist), waiting up to `waitMs` for another holder to release
 * it or for its lock to go stale (`onBusy` is told once when it starts waiting). `onLost` is called if the lock is lost while held (its
 * refresh failed, e.g. the event loop stalled past STALE_MS and another process took the
 * folder over): the holder must stop writing at once.
 */
export async function lockDataDir(
  dataDir: string,
  opts: { waitMs?: number; onLost: (err: Error) => void; onBusy?: () => void },
): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      const release = await lockfile.lock(dir, {
        lockfilePath: join(dir, 'kairos.lock'),
        stale: STALE_MS,
        update: UPDATE_MS,
        realpath: false,
        onCompromised: opts.onLost,
      });
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await release().catch(() => {}); // already gone (compromised): nothing to free
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() >= deadline) throw new DataDirInUseError(dir);
      if (!told) opts.onBusy?.();
      told = true;
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
    }
  }
}
