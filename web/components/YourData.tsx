'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { ApiError, client, ok } from '@/lib/api/client';
import { toast } from '@/lib/toast';

/**
 * Your data out and in: the export downloads one JSON document (tasks, saved views,
 * preferences); importing one adds its tasks and views to this account. Into an account
 * that has tasks the API refuses (a second import would add everything twice) until the
 * user confirms.
 */
export function YourData() {
  const qc = useQueryClient();
  const file = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  async function importFile(f: File) {
    let doc: unknown;
    try {
      doc = JSON.parse(await f.text());
    } catch {
      toast({ tone: 'error', message: `${f.name} is not a Kairos export (not JSON).` });
      return;
    }
    // The file is checked by the API, which says what is wrong and where.
    const send = (merge: boolean) =>
      ok(client.POST('/api/v1/import', { params: { query: { merge: merge ? 'true' : 'false' } }, body: doc as never }));
    setBusy(true);
    try {
      let result;
      try {
        result = await send(false);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err;
        if (
          !window.confirm(
            'Your account has tasks already. Add the tasks of this file to them? (Importing the same file twice adds its tasks twice.)',
          )
        )
          return;
        result = await send(true);
      }
      const skipped = result.views_skipped.length ? `; views not added (name in use): ${result.views_skipped.join(', ')}` : '';
      toast({ tone: 'success', message: `Imported ${result.tasks} tasks and ${result.views} views${skipped}.` });
      for (const key of ['tasks', 'tags', 'views', 'preferences']) void qc.invalidateQueries({ queryKey: [key] });
    } catch (err) {
      const where = err instanceof ApiError ? err.problem.errors?.[0]?.path : undefined;
      toast({ tone: 'error', message: `Import failed: ${err instanceof Error ? err.message : String(err)}${where ? ` (${where})` : ''}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <p className="flex items-center gap-3 pb-2 text-xs">
      <a href="/api/v1/export" download className="font-medium text-accent-700 underline-offset-2 hover:underline dark:text-accent-400">
        Export my data
      </a>
      <button
        type="button"
        disabled={busy}
        onClick={() => file.current?.click()}
        className="font-medium text-accent-700 underline-offset-2 hover:underline disabled:opacity-50 dark:text-accent-400"
      >
        {busy ? 'Importing…' : 'Import…'}
      </button>
      <input
        ref={file}
        type="file"
        accept="application/json,.json"
        aria-label="Import a Kairos export"
        className="hidden"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void importFile(f);
        }}
      />
    </p>
  );
}
