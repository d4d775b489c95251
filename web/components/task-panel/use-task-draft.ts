'use client';
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '@/lib/api/client';
import type { Priority, Reminder, Task, TaskPatch } from '@/lib/api/types';
import { useUpdateTask } from '@/lib/mutations';
import { parseRule } from '@/lib/rrule';
import { fromZonedInputs, toZonedInputs } from '@/lib/time';

/** The editor's form: a task's fields as the inputs hold them (due date and time in the task's zone). */
export interface Draft {
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

export type FieldErrors = Record<string, string>;

export function toDraft(t: Task): Draft {
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

/** The fields the draft changed, as a PATCH body. */
export function toPatch(d: Draft, t: Task): TaskPatch {
  const patch: TaskPatch = {};
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

const FIELDS = ['title', 'description', 'priority', 'tags', 'due_at', 'time_zone', 'reminders', 'recurrence.rule'];

/** The API's field errors under the names the form shows them at. */
function formErrors(err: ApiError): FieldErrors {
  const mapped: FieldErrors = {};
  for (const [k, v] of Object.entries(err.fieldErrors())) {
    const key = k.startsWith('reminders')
      ? 'reminders'
      : k.startsWith('tags')
        ? 'tags'
        : k.startsWith('recurrence')
          ? 'recurrence.rule'
          : k;
    mapped[key] ??= v;
  }
  return mapped;
}

/**
 * The draft of a task being edited and its save. A change from elsewhere replaces an
 * untouched draft; an edited one is kept and `stale` says so (`reload` takes the latest).
 * Saving sends only the changed fields with the version it started from.
 */
export function useTaskDraft(task: Task, opts: { onSaved: () => void; onInvalidTitle: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(task));
  const [base, setBase] = useState<Task>(task);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const update = useUpdateTask();
  const patch = useMemo(() => toPatch(draft, base), [draft, base]);
  const dirty = Object.keys(patch).length > 0;

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

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  function reload() {
    setBase(task);
    setDraft(toDraft(task));
    setStale(false);
  }

  function save() {
    if (!dirty) return opts.onSaved();
    if (!draft.title.trim()) {
      setErrors({ title: 'A task needs a title.' });
      opts.onInvalidTitle();
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
          opts.onSaved();
        },
        onError: (err) => {
          if (!(err instanceof ApiError)) return setFormError('Could not save the task.');
          const mapped = formErrors(err);
          setErrors(mapped);
          // a message no field shows goes on top of the form
          if (!FIELDS.some((k) => mapped[k])) setFormError(err.message);
        },
      },
    );
  }

  return { draft, set, setDraft, base, dirty, stale, reload, errors, formError, save, saving: update.isPending };
}
