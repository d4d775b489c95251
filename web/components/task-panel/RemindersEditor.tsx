import { useState } from 'react';
import type { Reminder } from '@/lib/api/types';
import { formatFull, formatMinutesBefore, fromZonedInputs } from '@/lib/time';
import { FieldError, input, legend, smallBtn, type FieldProps } from './fields';

const PRESETS = [0, 10, 30, 60, 1440];

/** Reminders: presets and a custom amount before the due time, or a fixed time (in the task's zone). */
export function RemindersEditor({
  value,
  onChange,
  hasDue,
  timeZone,
  ...field
}: FieldProps & { value: Reminder[]; onChange: (r: Reminder[]) => void; hasDue: boolean; timeZone: string }) {
  const { uid } = field;
  const [customMin, setCustomMin] = useState('15');
  const [customUnit, setCustomUnit] = useState('1');
  const [customAt, setCustomAt] = useState('');
  function add(r: Reminder) {
    const key = JSON.stringify(r);
    if (value.some((x) => JSON.stringify(x) === key)) return;
    onChange([...value, r]);
  }
  return (
    <fieldset>
      <legend className={legend}>Reminders</legend>
      {value.length > 0 && (
        <ul className="mb-2 space-y-1">
          {value.map((r, i) => {
            const label = 'minutes_before' in r ? formatMinutesBefore(r.minutes_before) : `At ${formatFull(r.at)}`;
            return (
              <li key={i} className="flex items-center justify-between rounded-md bg-zinc-50 px-2.5 py-1 text-sm dark:bg-zinc-900">
                {label}
                <button
                  type="button"
                  aria-label={`Remove reminder: ${label}`}
                  onClick={() => onChange(value.filter((_, j) => j !== i))}
                  className="rounded px-1 text-zinc-600 dark:text-zinc-400 hover:text-zinc-900 dark:hover:text-zinc-100"
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {!hasDue && <p className="mb-1 text-xs text-zinc-600 dark:text-zinc-400">Relative reminders need a due date.</p>}
      <div className="flex flex-wrap gap-1.5">
        {PRESETS.map((m) => (
          <button
            key={m}
            type="button"
            disabled={!hasDue}
            className={`${smallBtn} disabled:opacity-50`}
            onClick={() => add({ minutes_before: m })}
          >
            {formatMinutesBefore(m)}
          </button>
        ))}
      </div>
      <div className="mt-2 flex flex-wrap items-center gap-1.5">
        <label htmlFor={`${uid}-rmin`} className="sr-only">
          Custom reminder amount
        </label>
        <input
          id={`${uid}-rmin`}
          type="number"
          min={1}
          value={customMin}
          onChange={(e) => setCustomMin(e.target.value)}
          className={`${input} !w-20`}
        />
        <label htmlFor={`${uid}-runit`} className="sr-only">
          Custom reminder unit
        </label>
        <select id={`${uid}-runit`} value={customUnit} onChange={(e) => setCustomUnit(e.target.value)} className={`${input} !w-auto`}>
          <option value="1">minutes before</option>
          <option value="60">hours before</option>
          <option value="1440">days before</option>
          <option value="10080">weeks before</option>
        </select>
        <button
          type="button"
          disabled={!hasDue || !(Number(customMin) > 0)}
          className={`${smallBtn} disabled:opacity-50`}
          onClick={() => add({ minutes_before: Math.round(Number(customMin) * Number(customUnit)) })}
        >
          Add
        </button>
      </div>
      <div className="mt-2 flex flex-wrap items-center gap-1.5">
        <label htmlFor={`${uid}-rat`} className="text-xs text-zinc-600 dark:text-zinc-400">
          or at
        </label>
        <input
          id={`${uid}-rat`}
          type="datetime-local"
          value={customAt}
          onChange={(e) => setCustomAt(e.target.value)}
          className={`${input} !w-auto`}
        />
        <button
          type="button"
          disabled={!customAt}
          className={`${smallBtn} disabled:opacity-50`}
          onClick={() => {
            const [d, t] = customAt.split('T');
            add({ at: fromZonedInputs(d!, t ?? '09:00', timeZone) });
            setCustomAt('');
          }}
        >
          Add
        </button>
      </div>
      <FieldError {...field} name="reminders" />
    </fieldset>
  );
}
