import { timeZones } from '@/lib/time';
import type { Draft } from './use-task-draft';
import { describedBy, FieldError, input, legend, smallBtn, type FieldProps } from './fields';

type Due = Pick<Draft, 'date' | 'time' | 'time_zone'>;

/** Due date, time (optional) and the time zone they are in. */
export function DueEditor({ value, onChange, ...field }: FieldProps & { value: Due; onChange: (due: Partial<Due>) => void }) {
  const { uid, errors } = field;
  return (
    <fieldset>
      <legend className={legend}>Due</legend>
      <div className="grid grid-cols-2 gap-2">
        <div>
          <label htmlFor={`${uid}-date`} className="sr-only">
            Due date
          </label>
          <input
            id={`${uid}-date`}
            type="date"
            value={value.date}
            onChange={(e) => onChange({ date: e.target.value })}
            aria-invalid={errors.due_at ? true : undefined}
            aria-describedby={describedBy(field, 'due_at')}
            className={input}
          />
        </div>
        <div>
          <label htmlFor={`${uid}-time`} className="sr-only">
            Due time
          </label>
          <input
            id={`${uid}-time`}
            type="time"
            value={value.time}
            disabled={!value.date}
            onChange={(e) => onChange({ time: e.target.value })}
            className={input}
          />
        </div>
      </div>
      <div className="mt-2 flex items-center gap-2">
        <label htmlFor={`${uid}-tz`} className="shrink-0 text-xs text-zinc-600 dark:text-zinc-400">
          Time zone
        </label>
        <select
          id={`${uid}-tz`}
          value={value.time_zone}
          onChange={(e) => onChange({ time_zone: e.target.value })}
          aria-describedby={describedBy(field, 'time_zone')}
          className={input}
        >
          {[value.time_zone, ...timeZones().filter((z) => z !== value.time_zone)].map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
        {value.date && (
          <button type="button" className={smallBtn} onClick={() => onChange({ date: '', time: '' })}>
            Clear
          </button>
        )}
      </div>
      <FieldError {...field} name="due_at" />
      <FieldError {...field} name="time_zone" />
    </fieldset>
  );
}
