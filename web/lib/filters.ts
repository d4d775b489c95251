import type { Priority, SavedView, Sort, TaskQuery } from './api/types';
import { endOfLocalDay, startOfLocalDay } from './time';

export type SmartList = 'inbox' | 'today' | 'upcoming' | 'overdue' | 'completed';
export type DueFilter = '' | 'today' | 'overdue' | 'week' | 'none';
export type { Sort };

export const PRIORITIES = ['high', 'medium', 'low', 'none'] as const satisfies readonly Priority[];
export const SORTS = ['due', 'priority', 'title', 'created', 'updated', 'relevance'] as const satisfies readonly Sort[];
export const STATUSES = ['all', 'pending', 'completed'] as const satisfies readonly NonNullable<TaskQuery['status']>[];
export const DUE_FILTERS = ['today', 'overdue', 'week', 'none'] as const satisfies readonly DueFilter[];

export interface Filters {
  status: '' | 'all' | 'pending' | 'completed';
  priority: string[];
  tags: string[];
  due: DueFilter;
  sort: '' | Sort;
  order: '' | 'asc' | 'desc';
}

export const EMPTY_FILTERS: Filters = { status: '', priority: [], tags: [], due: '', sort: '', order: '' };

export const SMART_LISTS: { id: SmartList; label: string; key: string }[] = [
  { id: 'inbox', label: 'All tasks', key: '1' },
  { id: 'today', label: 'Today', key: '2' },
  { id: 'upcoming', label: 'Upcoming', key: '3' },
  { id: 'overdue', label: 'Overdue', key: '4' },
  { id: 'completed', label: 'Completed', key: '5' },
];

/** A smart list's query; its day boundaries stay the same all day (one cache entry per list and day). */
export function smartQuery(list: SmartList): TaskQuery {
  const now = new Date();
  switch (list) {
    case 'today':
      return { status: 'pending', due_to: endOfLocalDay(now).toISOString(), sort: 'due', order: 'asc' };
    case 'upcoming':
      return { status: 'pending', due_from: startOfLocalDay(now, 1).toISOString(), sort: 'due', order: 'asc' };
    case 'overdue':
      return { status: 'pending', overdue: 'true', sort: 'due', order: 'asc' };
    case 'completed':
      return { status: 'completed', sort: 'updated', order: 'desc' };
    default:
      return { status: 'pending', sort: 'due', order: 'asc' };
  }
}

/** The `/tasks` query for a list (smart list or saved view) refined by filters and search. */
export function buildQuery(base: SmartList | SavedView, filters: Filters, q: string): TaskQuery {
  const query: TaskQuery = typeof base === 'string' ? smartQuery(base) : viewQuery(base);
  if (filters.status) query.status = filters.status;
  if (filters.priority.length) query.priority = filters.priority.join(',');
  if (filters.tags.length) query.tags = filters.tags.join(',');
  const now = new Date();
  switch (filters.due) {
    case 'today':
      query.due_from = startOfLocalDay(now).toISOString();
      query.due_to = endOfLocalDay(now).toISOString();
      delete query.overdue;
      break;
    case 'week':
      query.due_from = startOfLocalDay(now).toISOString();
      query.due_to = endOfLocalDay(now, 6).toISOString();
      delete query.overdue;
      break;
    case 'overdue':
      query.overdue = 'true';
      delete query.due_from;
      delete query.due_to;
      break;
    case 'none':
      query.no_due = 'true';
      delete query.due_from;
      delete query.due_to;
      delete query.overdue;
      break;
  }
  if (q.trim()) {
    query.q = q.trim();
    if (!filters.sort) query.sort = 'relevance';
  }
  if (filters.sort) query.sort = filters.sort;
  if (filters.order) query.order = filters.order;
  return query;
}

/** A saved view's stored query as a task query: its string parameters (a list, as `a,b`). */
export function viewQuery(view: SavedView): TaskQuery {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(view.query)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.map(String).join(',');
  }
  return out as TaskQuery;
}

export function activeFilterCount(f: Filters): number {
  return (f.status ? 1 : 0) + f.priority.length + f.tags.length + (f.due ? 1 : 0);
}
