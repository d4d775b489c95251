import type { Priority } from '@/lib/api/types';
import { PRIORITY_STYLE } from '../TaskRow';
import { FieldError, legend, type FieldProps } from './fields';

export function PriorityPicker({ value, onChange, ...field }: FieldProps & { value: Priority; onChange: (p: Priority) => void }) {
  return (
    <fieldset>
      <legend className={legend}>Priority</legend>
      <div className="grid grid-cols-4 gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-900">
        {(['none', 'low', 'medium', 'high'] as const).map((p) => (
          <label
            key={p}
            className={`cursor-pointer rounded-md px-2 py-1 text-center text-xs font-medium has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-accent-500 ${
              value === p ? `bg-white shadow-sm dark:bg-zinc-800 ${PRIORITY_STYLE[p].text}` : 'text-zinc-600 dark:text-zinc-400'
            }`}
          >
            <input type="radio" name="priority" value={p} checked={value === p} onChange={() => onChange(p)} className="sr-only" />
            {p === 'none' ? 'None' : PRIORITY_STYLE[p].label}
          </label>
        ))}
      </div>
      <FieldError {...field} name="priority" />
    </fieldset>
  );
}
