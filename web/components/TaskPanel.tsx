'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, ApiError } from '@/lib/api';
import { useDeleteTask, useUpdateTask } from '@/lib/mutations';
import { RECURRENCE_PRESETS, parseRule, summarizeRule } from '@/lib/rrule';
import { formatFull, formatMinutesBefore, formatRelative, fromZonedInputs, timeZones, toZonedInputs } from '@/lib/time';
import type { HistoryEntry, Priority, Reminder, Task } from '@/lib/types';
import { X } from './icons';
import { PRIORITY_STYLE } from './TaskRow';

interface Draft {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  date: string;
  time: string;
  time_zone: string;
  reminders: Reminder[];
  rule: string;
  mode: 'due' | 'completion';
}

function toDraft(t: Task): Draft {
  const z = t.due_at ? toZonedInputs(t.due_at, t.time_zone) : { date: '', time: '' };
  return {
    title: t.title,
    description: t.description,
    priority: t.priority,
    tags: t.tags,
    date: z.date,
    time: z.time === '00:00' ? '' : z.time,
    time_zone: t.time_zone,
    reminders: t.reminders,
    rule: t.recurrence?.rule ?? '',
    mode: t.recurrence?.mode ?? 'due',
  };
}

function toPatch(d: Draft, t: Task): Partial<Task> {
  const patch: Partial<Task> = {};
  if (d.title.trim() !== t.title) patch.title = d.title.trim();
  if (d.description !== t.description) patch.description = d.description;
  if (d.priority !== t.priority) patch.priority = d.priority;
  if (JSON.stringify(d.tags) !== JSON.stringify(t.tags)) patch.tags = d.tags;
  const due = d.date ? fromZonedInputs(d.date, d.time || '00:00', d.time_zone) : null;
  if ((due ?? null) !== (t.due_at ? new Date(t.due_at).toISOString() : null)) patch.due_at = due;
  if (d.time_zone !== t.time_zone) patch.time_zone = d.time_zone;
  if (JSON.stringify(d.reminders) !== JSON.stringify(t.reminders)) patch.reminders = d.reminders;
  const rec = d.rule.trim() ? { rule: d.rule.trim(), mode: d.mode } : null;
  if ((rec?.rule ?? '') !== (t.recurrence?.rule ?? '') || (rec && rec.mode !== t.recurrence?.mode)) patch.recurrence = rec;
  return patch;
}

const REMINDER_PRESETS = [0, 10, 30, 60, 1440];
const input =
  'w-full rounded-md border border-zinc-300 bg-white px-2.5 py-1.5 text-sm outline-none focus:border-accent-500 focus:ring-2 focus:ring-accent-500/30 dark:border-zinc-700 dark:bg-zinc-950';
const smallBtn =
  'rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800';

export function TaskPanel({ task, onClose, tagOptions }: { task: Task; onClose: () => void; tagOptions: string[] }) {
  const uid = useId();
  const [draft, setDraft] = useState<Draft>(() => toDraft(task));
  const [base, setBase] = useState<Task>(task);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [tagInput, setTagInput] = useState('');
  const [customMin, setCustomMin] = useState('15');
  const [customUnit, setCustomUnit] = useState('1');
  const [customAt, setCustomAt] = useState('');
  const [showCustomRule, setShowCustomRule] = useState(
    () => !!task.recurrence && !RECURRENCE_PRESETS.some((p) => p.rule === task.recurrence?.rule),
  );
  const [tab, setTab] = useState<'details' | 'history'>('details');
  const update = useUpdateTask();
  const del = useDeleteTask();
  const titleRef = useRef<HTMLInputElement>(null);
  const patch = useMemo(() => toPatch(draft, base), [draft, base]);
  const dirty = Object.keys(patch).length > 0;
  const [stale, setStale] = useState(false);

  // A change from elsewhere replaces an untouched form; an edited one gets a notice.
  useEffect(() => {
    if (task.id !== base.id) {
      setBase(task);
      setDraft(toDraft(task));
      setErrors({});
      setStale(false);
      return;
    }
    if (task.version > base.version) {
      if (!dirty) {
        setBase(task);
        setDraft(toDraft(task));
      } else setStale(true);
    }
  }, [task]);

  useEffect(() => {
    titleRef.current?.focus();
  }, [task.id]);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  function save() {
    if (!dirty) return onClose();
    if (!draft.title.trim()) {
      setErrors({ title: 'A task needs a title.' });
      titleRef.current?.focus();
      return;
    }
    if (draft.rule.trim() && !parseRule(draft.rule)) {
      setErrors({ 'recurrence.rule': 'Not a valid rule — try FREQ=WEEKLY;BYDAY=MO,WE.' });
      return;
    }
    setErrors({});
    setFormError(null);
    update.mutate(
      { id: base.id, patch, version: base.version },
      {
        onSuccess: (t) => {
          setBase(t);
          setDraft(toDraft(t));
          onClose();
        },
        onError: (err) => {
          if (err instanceof ApiError) {
            const fe = err.fieldErrors();
            const mapped: Record<string, string> = {};
            for (const [k, v] of Object.entries(fe)) {
              const key = k.startsWith('reminders')
                ? 'reminders'
                : k.startsWith('tags')
                  ? 'tags'
                  : k.startsWith('recurrence')
                    ? 'recurrence.rule'
                    : k;
              mapped[key] ??= v;
            }
            setErrors(mapped);
            if (!Object.keys(mapped).length) setFormError(err.message);
            else if (
              !['title', 'description', 'priority', 'tags', 'due_at', 'time_zone', 'reminders', 'recurrence.rule'].some((k) => mapped[k])
            )
              setFormError(err.message);
          } else setFormError('Could not save the task.');
        },
      },
    );
  }

  function addTag(raw: string) {
    const t = raw.trim().replace(/^#/, '').toLowerCase();
    if (!t || draft.tags.includes(t)) return setTagInput('');
    set('tags', [...draft.tags, t]);
    setTagInput('');
  }

  function addReminder(r: Reminder) {
    const key = JSON.stringify(r);
    if (draft.reminders.some((x) => JSON.stringify(x) === key)) return;
    set('reminders', [...draft.reminders, r]);
  }

  const summary = draft.rule.trim() ? summarizeRule(draft.rule) : null;
  const presetValue = !draft.rule ? '' : RECURRENCE_PRESETS.some((p) => p.rule === draft.rule) && !showCustomRule ? draft.rule : 'custom';
  const err = (k: string) =>
    errors[k] ? (
      <p id={`${uid}-${k}-err`} className="mt-1 text-xs text-red-700 dark:text-red-400" data-testid={`error-${k}`}>
        {errors[k]}
      </p>
    ) : null;
  const describe = (k: string) => (errors[k] ? `${uid}-${k}-err` : undefined);

  return (
    <aside
      role="dialog"
      aria-modal="false"
      aria-labelledby={`${uid}-heading`}
      data-testid="task-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        } else if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
          e.preventDefault();
          save();
        }
      }}
      className="fixed inset-0 z-30 flex flex-col bg-white md:static md:z-auto md:w-[26rem] md:shrink-0 md:border-l md:border-zinc-200 dark:bg-zinc-950 md:dark:border-zinc-800"
    >
      <div className="flex items-center gap-2 border-b border-zinc-200 px-4 py-2.5 dark:border-zinc-800">
        <h2 id={`${uid}-heading`} className="text-sm font-semibold">
          Edit task <span className="font-normal text-zinc-600 dark:text-zinc-400">#{base.id}</span>
        </h2>
        <div role="tablist" aria-label="Task sections" className="ml-auto flex gap-1 text-xs">
          {(['details', 'history'] as const).map((t) => (
            <button
              key={t}
              role="tab"
              type="button"
              aria-selected={tab === t}
              onClick={() => setTab(t)}
              className={`rounded-md px-2 py-1 capitalize ${tab === t ? 'bg-zinc-200 font-semibold dark:bg-zinc-800' : 'hover:bg-zinc-100 dark:hover:bg-zinc-900'}`}
            >
              {t}
            </button>
          ))}
        </div>
        <button
          type="button"
          onClick={onClose}
          aria-label="Close editor"
          className="rounded-md p-1 hover:bg-zinc-100 dark:hover:bg-zinc-800"
        >
          <X className="h-4 w-4" />
        </button>
      </div>

      {tab === 'history' ? (
        <History taskId={base.id} />
      ) : (
        <form
          className="flex-1 space-y-5 overflow-y-auto px-4 py-4"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          {stale && (
            <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
              This task was changed elsewhere.{' '}
              <button
                type="button"
                className="font-semibold underline"
                onClick={() => {
                  setBase(task);
                  setDraft(toDraft(task));
                  setStale(false);
                }}
              >
                Load the latest version
              </button>
            </p>
          )}
          {formError && (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
              {formError}
            </p>
          )}
          <div>
            <label htmlFor={`${uid}-title`} className="mb-1 block text-xs font-medium text-zinc-700 dark:text-zinc-300">
              Title
            </label>
            <input
              ref={titleRef}
              id={`${uid}-title`}
              name="title"
              value={draft.title}
              maxLength={200}
              onChange={(e) => set('title', e.target.value)}
              aria-invalid={errors.title ? true : undefined}
              aria-describedby={describe('title')}
              className={`${input} text-base font-medium`}
            />
            {err('title')}
          </div>
          <div>
            <label htmlFor={`${uid}-desc`} className="mb-1 block text-xs font-medium text-zinc-700 dark:text-zinc-300">
              Description
            </label>
            <textarea
              id={`${uid}-desc`}
              name="description"
              rows={3}
              value={draft.description}
              onChange={(e) => set('description', e.target.value)}
              aria-invalid={errors.description ? true : undefined}
              aria-describedby={describe('description')}
              placeholder="Notes, links, details…"
              className={input}
            />
            {err('description')}
          </div>

          <fieldset>
            <legend className="mb-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">Priority</legend>
            <div className="grid grid-cols-4 gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-900">
              {(['none', 'low', 'medium', 'high'] as const).map((p) => (
                <label
                  key={p}
                  className={`cursor-pointer rounded-md px-2 py-1 text-center text-xs font-medium has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-accent-500 ${
                    draft.priority === p
                      ? `bg-white shadow-sm dark:bg-zinc-800 ${PRIORITY_STYLE[p].text}`
                      : 'text-zinc-600 dark:text-zinc-400'
                  }`}
                >
                  <input
                    type="radio"
                    name="priority"
                    value={p}
                    checked={draft.priority === p}
                    onChange={() => set('priority', p)}
                    className="sr-only"
                  />
                  {p === 'none' ? 'None' : PRIORITY_STYLE[p].label}
                </label>
              ))}
            </div>
            {err('priority')}
          </fieldset>

          <div>
            <label htmlFor={`${uid}-tags`} className="mb-1 block text-xs font-medium text-zinc-700 dark:text-zinc-300">
              Tags
            </label>
            <div className={`${input} flex flex-wrap items-center gap-1.5`}>
              {draft.tags.map((t) => (
                <span key={t} className="inline-flex items-center gap-1 rounded bg-zinc-100 px-1.5 py-0.5 text-xs dark:bg-zinc-800">
                  #{t}
                  <button
                    type="button"
                    aria-label={`Remove tag ${t}`}
                    onClick={() =>
                      set(
                        'tags',
                        draft.tags.filter((x) => x !== t),
                      )
                    }
                    className="opacity-70 hover:opacity-100"
                  >
                    ×
                  </button>
                </span>
              ))}
              <input
                id={`${uid}-tags`}
                list={`${uid}-tag-options`}
                value={tagInput}
                onChange={(e) => {
                  const v = e.target.value;
                  if (v.endsWith(',') || v.endsWith(' ')) addTag(v.slice(0, -1));
                  else setTagInput(v);
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && tagInput.trim()) {
                    e.preventDefault();
                    addTag(tagInput);
                  } else if (e.key === 'Backspace' && !tagInput && draft.tags.length) set('tags', draft.tags.slice(0, -1));
                }}
                onBlur={() => tagInput.trim() && addTag(tagInput)}
                aria-describedby={describe('tags')}
                placeholder={draft.tags.length ? '' : 'work, home…'}
                className="min-w-[6rem] flex-1 bg-transparent text-sm outline-none"
              />
              <datalist id={`${uid}-tag-options`}>
                {tagOptions
                  .filter((t) => !draft.tags.includes(t))
                  .map((t) => (
                    <option key={t} value={t} />
                  ))}
              </datalist>
            </div>
            {err('tags')}
          </div>

          <fieldset>
            <legend className="mb-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">Due</legend>
            <div className="grid grid-cols-2 gap-2">
              <div>
                <label htmlFor={`${uid}-date`} className="sr-only">
                  Due date
                </label>
                <input
                  id={`${uid}-date`}
                  type="date"
                  value={draft.date}
                  onChange={(e) => set('date', e.target.value)}
                  aria-invalid={errors.due_at ? true : undefined}
                  aria-describedby={describe('due_at')}
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
                  value={draft.time}
                  disabled={!draft.date}
                  onChange={(e) => set('time', e.target.value)}
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
                value={draft.time_zone}
                onChange={(e) => set('time_zone', e.target.value)}
                aria-describedby={describe('time_zone')}
                className={input}
              >
                {[draft.time_zone, ...timeZones().filter((z) => z !== draft.time_zone)].map((z) => (
                  <option key={z} value={z}>
                    {z.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
              {draft.date && (
                <button type="button" className={smallBtn} onClick={() => setDraft((d) => ({ ...d, date: '', time: '' }))}>
                  Clear
                </button>
              )}
            </div>
            {err('due_at')}
            {err('time_zone')}
          </fieldset>

          <fieldset>
            <legend className="mb-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">Reminders</legend>
            {draft.reminders.length > 0 && (
              <ul className="mb-2 space-y-1">
                {draft.reminders.map((r, i) => {
                  const label = 'minutes_before' in r ? formatMinutesBefore(r.minutes_before) : `At ${formatFull(r.at)}`;
                  return (
                    <li key={i} className="flex items-center justify-between rounded-md bg-zinc-50 px-2.5 py-1 text-sm dark:bg-zinc-900">
                      {label}
                      <button
                        type="button"
                        aria-label={`Remove reminder: ${label}`}
                        onClick={() =>
                          set(
                            'reminders',
                            draft.reminders.filter((_, j) => j !== i),
                          )
                        }
                        className="rounded px-1 text-zinc-600 dark:text-zinc-400 hover:text-zinc-900 dark:hover:text-zinc-100"
                      >
                        ×
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
            {!draft.date && <p className="mb-1 text-xs text-zinc-600 dark:text-zinc-400">Relative reminders need a due date.</p>}
            <div className="flex flex-wrap gap-1.5">
              {REMINDER_PRESETS.map((m) => (
                <button
                  key={m}
                  type="button"
                  disabled={!draft.date}
                  className={`${smallBtn} disabled:opacity-50`}
                  onClick={() => addReminder({ minutes_before: m })}
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
                disabled={!draft.date || !(Number(customMin) > 0)}
                className={`${smallBtn} disabled:opacity-50`}
                onClick={() => addReminder({ minutes_before: Math.round(Number(customMin) * Number(customUnit)) })}
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
                  addReminder({ at: fromZonedInputs(d!, t ?? '09:00', draft.time_zone) });
                  setCustomAt('');
                }}
              >
                Add
              </button>
            </div>
            {err('reminders')}
          </fieldset>

          <fieldset>
            <legend className="mb-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">Repeat</legend>
            <label htmlFor={`${uid}-rec`} className="sr-only">
              Repeat
            </label>
            <select
              id={`${uid}-rec`}
              value={presetValue}
              onChange={(e) => {
                const v = e.target.value;
                if (v === 'custom') {
                  setShowCustomRule(true);
                  if (!draft.rule) set('rule', 'FREQ=WEEKLY;BYDAY=MO');
                } else {
                  setShowCustomRule(false);
                  set('rule', v);
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
                  value={draft.rule}
                  onChange={(e) => set('rule', e.target.value.toUpperCase())}
                  aria-invalid={errors['recurrence.rule'] ? true : undefined}
                  aria-describedby={`${uid}-rule-summary ${describe('recurrence.rule') ?? ''}`}
                  spellCheck={false}
                  className={`${input} font-mono text-xs`}
                />
              </div>
            )}
            {draft.rule && (
              <p id={`${uid}-rule-summary`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400" data-testid="rule-summary">
                {summary ?? (base.recurrence?.rule === draft.rule ? base.recurrence.summary : null) ?? 'Rule not recognised'}
                {!draft.date && ' — set a due date to anchor it'}
              </p>
            )}
            {draft.rule && (
              <div className="mt-2 flex gap-3 text-xs">
                {(['due', 'completion'] as const).map((m) => (
                  <label key={m} className="inline-flex items-center gap-1.5">
                    <input type="radio" name="mode" checked={draft.mode === m} onChange={() => set('mode', m)} />
                    {m === 'due' ? 'From the due date' : 'From when completed'}
                  </label>
                ))}
              </div>
            )}
            {err('recurrence.rule')}
          </fieldset>

          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            Created {formatRelative(base.created_at)} · updated {formatRelative(base.updated_at)}
            {base.series_id && ` · occurrence ${base.occurrence}`}
          </p>
          <button type="submit" hidden />
        </form>
      )}

      <div className="flex items-center gap-2 border-t border-zinc-200 px-4 py-3 dark:border-zinc-800">
        <button
          type="button"
          onClick={() => {
            del(base);
            onClose();
          }}
          className="rounded-md px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-950"
        >
          Delete
        </button>
        <span className="ml-auto hidden text-xs text-zinc-600 dark:text-zinc-400 sm:inline">{dirty ? 'Ctrl+Enter to save' : ''}</span>
        <button
          type="button"
          onClick={onClose}
          className="rounded-md px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:hover:bg-zinc-800"
        >
          Cancel
        </button>
        <button
          type="button"
          onClick={save}
          disabled={update.isPending}
          className="rounded-md bg-accent-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-accent-700 disabled:opacity-60"
        >
          {update.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </aside>
  );
}

const EVENT_LABEL: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  completed: 'Completed',
  reopened: 'Reopened',
  deleted: 'Deleted',
};
const FIELD_LABEL: Record<string, string> = {
  title: 'title',
  description: 'description',
  priority: 'priority',
  tags: 'tags',
  due_at: 'due date',
  time_zone: 'time zone',
  reminders: 'reminders',
  recurrence: 'repeat',
  completed: 'status',
};

function History({ taskId }: { taskId: number }) {
  const q = useQuery({
    queryKey: ['history', taskId],
    queryFn: () => api<{ items: HistoryEntry[] }>(`/tasks/${taskId}/history`),
  });
  if (q.isPending) return <p className="p-4 text-sm text-zinc-600 dark:text-zinc-400">Loading history…</p>;
  if (q.isError)
    return <p className="p-4 text-sm text-red-700 dark:text-red-400">Could not load the history: {(q.error as Error).message}</p>;
  const items = [...q.data.items].sort((a, b) => a.at.localeCompare(b.at));
  if (!items.length) return <p className="p-4 text-sm text-zinc-600 dark:text-zinc-400">No history yet.</p>;
  const rows = items.map((e, i) => {
    const prev = items[i - 1]?.task_data;
    const changed =
      e.event_type === 'updated' && prev && e.task_data
        ? Object.keys(FIELD_LABEL).filter(
            (k) => JSON.stringify((prev as Record<string, unknown>)[k]) !== JSON.stringify((e.task_data as Record<string, unknown>)[k]),
          )
        : [];
    return { e, changed };
  });
  return (
    <ol className="flex-1 space-y-3 overflow-y-auto px-4 py-4" aria-label="History" data-testid="history">
      {rows.reverse().map(({ e, changed }) => (
        <li key={String(e.id)} className="flex gap-3 text-sm">
          <span aria-hidden className="mt-1.5 h-2 w-2 shrink-0 rounded-full bg-accent-500" />
          <div>
            <p>
              <span className="font-medium">{EVENT_LABEL[e.event_type] ?? e.event_type}</span>
              {changed.length > 0 && (
                <span className="text-zinc-600 dark:text-zinc-400"> {changed.map((c) => FIELD_LABEL[c]).join(', ')}</span>
              )}
            </p>
            <p className="text-xs text-zinc-600 dark:text-zinc-400" title={formatFull(e.at)}>
              {formatRelative(e.at)}
              {e.task_data?.title && ` · “${e.task_data.title}”`}
            </p>
          </div>
        </li>
      ))}
    </ol>
  );
}
