import { useState } from 'react';
import { describedBy, FieldError, input, type FieldProps } from './fields';

/** Tags as chips; type and press Enter, comma or space to add one (lower case, without `#`). */
export function TagsEditor({
  value,
  onChange,
  options,
  ...field
}: FieldProps & { value: string[]; onChange: (tags: string[]) => void; options: string[] }) {
  const { uid } = field;
  const [text, setText] = useState('');
  function add(raw: string) {
    const t = raw.trim().replace(/^#/, '').toLowerCase();
    if (t && !value.includes(t)) onChange([...value, t]);
    setText('');
  }
  return (
    <div>
      <label htmlFor={`${uid}-tags`} className="mb-1 block text-xs font-medium text-zinc-700 dark:text-zinc-300">
        Tags
      </label>
      <div className={`${input} flex flex-wrap items-center gap-1.5`}>
        {value.map((t) => (
          <span key={t} className="inline-flex items-center gap-1 rounded bg-zinc-100 px-1.5 py-0.5 text-xs dark:bg-zinc-800">
            #{t}
            <button
              type="button"
              aria-label={`Remove tag ${t}`}
              onClick={() => onChange(value.filter((x) => x !== t))}
              className="opacity-70 hover:opacity-100"
            >
              ×
            </button>
          </span>
        ))}
        <input
          id={`${uid}-tags`}
          list={`${uid}-tag-options`}
          value={text}
          onChange={(e) => {
            const v = e.target.value;
            if (v.endsWith(',') || v.endsWith(' ')) add(v.slice(0, -1));
            else setText(v);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && text.trim()) {
              e.preventDefault();
              add(text);
            } else if (e.key === 'Backspace' && !text && value.length) onChange(value.slice(0, -1));
          }}
          onBlur={() => text.trim() && add(text)}
          aria-describedby={describedBy(field, 'tags')}
          placeholder={value.length ? '' : 'work, home…'}
          className="min-w-[6rem] flex-1 bg-transparent text-sm outline-none"
        />
        <datalist id={`${uid}-tag-options`}>
          {options
            .filter((t) => !value.includes(t))
            .map((t) => (
              <option key={t} value={t} />
            ))}
        </datalist>
      </div>
      <FieldError {...field} name="tags" />
    </div>
  );
}
