'use client';
import { useState } from 'react';
import { activeFilterCount, type Filters } from '@/lib/filters';

const select =
  'rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs outline-none focus:ring-2 focus:ring-accent-500 dark:border-zinc-700 dark:bg-zinc-900';

export function FilterBar(props: {
  filters: Filters;
  onChange: (f: Filters) => void;
  tags: string[];
  onSaveView: (name: string) => void;
  count: number | null;
}) {
  const { filters: f, onChange } = props;
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const n = activeFilterCount(f);
  const togglePriority = (p: string) =>
    onChange({ ...f, priority: f.priority.includes(p) ? f.priority.filter((x) => x !== p) : [...f.priority, p] });
  return (
    <div
      className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-3 py-2 text-xs sm:px-5 dark:border-zinc-800"
      role="group"
      aria-label="Filter and sort"
    >
      <label className="sr-only" htmlFor="filter-status">
        Status
      </label>
      <select
        id="filter-status"
        className={select}
        value={f.status}
        onChange={(e) => onChange({ ...f, status: e.target.value as Filters['status'] })}
      >
        <option value="">Status: list default</option>
        <option value="pending">Pending</option>
        <option value="completed">Completed</option>
        <option value="all">All</option>
      </select>
      <div role="group" aria-label="Priority" className="flex overflow-hidden rounded-md border border-zinc-300 dark:border-zinc-700">
        {(['high', 'medium', 'low', 'none'] as const).map((p) => (
          <button
            key={p}
            type="button"
            aria-pressed={f.priority.includes(p)}
            onClick={() => togglePriority(p)}
            className={`px-2 py-1 capitalize ${f.priority.includes(p) ? 'bg-accent-600 text-white' : 'bg-white hover:bg-zinc-100 dark:bg-zinc-900 dark:hover:bg-zinc-800'}`}
          >
            {p === 'none' ? 'No prio' : p}
          </button>
        ))}
      </div>
      <label className="sr-only" htmlFor="filter-due">
        Due
      </label>
      <select id="filter-due" className={select} value={f.due} onChange={(e) => onChange({ ...f, due: e.target.value as Filters['due'] })}>
        <option value="">Due: any</option>
        <option value="today">Due today</option>
        <option value="overdue">Overdue</option>
        <option value="week">This week</option>
        <option value="none">No date</option>
      </select>
      <label className="sr-only" htmlFor="filter-tag">
        Tag
      </label>
      <select
        id="filter-tag"
        className={select}
        value=""
        onChange={(e) => e.target.value && onChange({ ...f, tags: [...f.tags, e.target.value] })}
      >
        <option value="">{f.tags.length ? 'Add tag…' : 'Tag: any'}</option>
        {props.tags
          .filter((t) => !f.tags.includes(t))
          .map((t) => (
            <option key={t} value={t}>
              #{t}
            </option>
          ))}
      </select>
      {f.tags.map((t) => (
        <button
          key={t}
          type="button"
          aria-label={`Remove tag filter ${t}`}
          onClick={() => onChange({ ...f, tags: f.tags.filter((x) => x !== t) })}
          className="rounded-full bg-accent-100 px-2 py-0.5 text-accent-700 dark:bg-accent-700/30 dark:text-accent-100"
        >
          #{t} ×
        </button>
      ))}
      <span className="mx-1 hidden h-4 w-px bg-zinc-300 xl:block dark:bg-zinc-700" aria-hidden />
      <label className="sr-only" htmlFor="sort">
        Sort by
      </label>
      <select id="sort" className={select} value={f.sort} onChange={(e) => onChange({ ...f, sort: e.target.value as Filters['sort'] })}>
        <option value="">Sort: list default</option>
        <option value="due">Due date</option>
        <option value="priority">Priority</option>
        <option value="title">Title</option>
        <option value="created">Created</option>
        <option value="updated">Updated</option>
      </select>
      <button
        type="button"
        aria-label={f.order === 'desc' ? 'Descending, switch to ascending' : 'Ascending, switch to descending'}
        onClick={() => onChange({ ...f, order: f.order === 'desc' ? 'asc' : 'desc' })}
        className="rounded-md border border-zinc-300 px-2 py-1 dark:border-zinc-700"
      >
        {f.order === 'desc' ? '↓' : '↑'}
      </button>
      {n > 0 && (
        <button
          type="button"
          onClick={() => onChange({ status: '', priority: [], tags: [], due: '', sort: f.sort, order: f.order })}
          className="text-accent-700 hover:underline dark:text-accent-400"
        >
          Clear {n} filter{n > 1 ? 's' : ''}
        </button>
      )}
      <div className="ml-auto flex items-center gap-2">
        {props.count !== null && (
          <span className="text-zinc-600 dark:text-zinc-400" aria-live="polite">
            {props.count} task{props.count === 1 ? '' : 's'}
          </span>
        )}
        {naming ? (
          <form
            className="flex items-center gap-1"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim()) props.onSaveView(name.trim());
              setNaming(false);
              setName('');
            }}
          >
            <label htmlFor="view-name" className="sr-only">
              View name
            </label>
            <input
              id="view-name"
              autoFocus
              value={name}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => e.key === 'Escape' && setNaming(false)}
              placeholder="View name"
              className={`${select} w-28`}
            />
            <button type="submit" className="rounded-md bg-accent-600 px-2 py-1 font-semibold text-white">
              Save
            </button>
          </form>
        ) : (
          <button
            type="button"
            onClick={() => setNaming(true)}
            className="rounded-md border border-zinc-300 px-2 py-1 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
          >
            Save view
          </button>
        )}
      </div>
    </div>
  );
}
