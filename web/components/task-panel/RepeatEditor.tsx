import { useState } from 'react';
import { RECURRENCE_PRESETS, summarizeRule } from '@/lib/rrule';
import type { Draft } from './use-task-draft';
import { describedBy, FieldError, input, legend, type FieldProps } from './fields';

type Repeat = Pick<Draft, 'rule' | 'mode'>;

/** Repeat: a preset or a custom RRULE with its summary, counted from the due date or from completion. */
export function RepeatEditor({
  value,
  onChange,
  hasDue,
  savedSummary,
  ...field
}: FieldProps & { value: Repeat; onChange: (r: Partial<Repeat>) => void; hasDue: boolean; savedSummary: string | null }) {
  const { uid, errors } = field;
  const [custom, setCustom] = useState(() => !!value.rule && !RECURRENCE_PRESETS.some((p) => p.rule === value.rule));
  const summary = value.rule.trim() ? summarizeRule(value.rule) : null;
  const presetValue = !value.rule ? '' : RECURRENCE_PRESETS.some((p) => p.rule === value.rule) && !custom ? value.rule : 'custom';
  return (
    <fieldset>
      <legend className={legend}>Repeat</legend>
      <label htmlFor={`${uid}-rec`} className="sr-only">
        Repeat
      </label>
      <select
        id={`${uid}-rec`}
        value={presetValue}
        onChange={(e) => {
          const v = e.target.value;
          if (v === 'custom') {
            setCustom(true);
            if (!value.rule) onChange({ rule: 'FREQ=WEEKLY;BYDAY=MO' });
          } else {
            setCustom(false);
            onChange({ rule: v });
          }
        }}
        className={input}
      >
        <option value="">Does not repeat</option>
        {RECURRENCE_PRESETS.map((p) => (
          <option key={p.rule} value={p.rule}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom rule…</option>
      </select>
      {presetValue === 'custom' && (
        <div className="mt-2">
          <label htmlFor={`${uid}-rule`} className="mb-1 block text-xs text-zinc-600 dark:text-zinc-400">
            RRULE (RFC 5545)
          </label>
          <input
            id={`${uid}-rule`}
            value={value.rule}
            onChange={(e) => onChange({ rule: e.target.value.toUpperCase() })}
            aria-invalid={errors['recurrence.rule'] ? true : undefined}
            aria-describedby={`${uid}-rule-summary ${describedBy(field, 'recurrence.rule') ?? ''}`}
            spellCheck={false}
            className={`${input} font-mono text-xs`}
          />
        </div>
      )}
      {value.rule && (
        <p id={`${uid}-rule-summary`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400" data-testid="rule-summary">
          {summary ?? savedSummary ?? 'Rule not recognised'}
          {!hasDue && ' — set a due date to anchor it'}
        </p>
      )}
      {value.rule && (
        <div className="mt-2 flex gap-3 text-xs">
          {(['due', 'completion'] as const).map((m) => (
            <label key={m} className="inline-flex items-center gap-1.5">
              <input type="radio" name="mode" checked={value.mode === m} onChange={() => onChange({ mode: m })} />
              {m === 'due' ? 'From the due date' : 'From when completed'}
            </label>
          ))}
        </div>
      )}
      <FieldError {...field} name="recurrence.rule" />
    </fieldset>
  );
}
