'use client';
import { useState } from 'react';
import type { Preferences as Prefs } from '@/lib/api/types';
import { useSavePreferences } from '@/lib/mutations';
import { usePreferences } from '@/lib/queries';
import { localTimeZone } from '@/lib/time';

/** The user's reminder preferences: e-mail on or off, and the time zone e-mails are written in. */
export function Preferences() {
  const prefsQ = usePreferences();
  // What the user chose shows at once (a controlled checkbox must not wait for a render
  // after the request starts); the server's answer replaces it, an error takes it back.
  const [draft, setDraft] = useState<Prefs | null>(null);
  const save = useSavePreferences((sent) => setDraft((d) => (d === sent ? null : d)));
  const update = (p: Prefs) => {
    setDraft(p);
    save.mutate(p);
  };
  const prefs = draft ?? prefsQ.data;
  if (!prefs) return null;
  const here = localTimeZone();
  return (
    <div className="space-y-1 pb-2 text-xs text-zinc-700 dark:text-zinc-300">
      <label className="flex cursor-pointer items-center gap-2">
        <input
          type="checkbox"
          checked={prefs.email_reminders}
          onChange={(e) => update({ ...prefs, email_reminders: e.target.checked })}
          className="h-3.5 w-3.5 accent-accent-600"
        />
        E-mail me reminders too
      </label>
      <p className="flex flex-wrap items-center gap-x-1">
        <span>
          Reminder e-mails in <span data-testid="pref-time-zone">{prefs.time_zone}</span>
        </span>
        {prefs.time_zone !== here && (
          <button
            type="button"
            onClick={() => update({ ...prefs, time_zone: here })}
            className="font-medium text-accent-700 underline-offset-2 hover:underline dark:text-accent-400"
          >
            Use {here}
          </button>
        )}
      </p>
    </div>
  );
}
