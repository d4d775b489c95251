export type Priority = 'none' | 'low' | 'medium' | 'high';
export const PRIORITIES: Priority[] = ['high', 'medium', 'low', 'none'];

export type Reminder = { minutes_before: number } | { at: string };

export interface Recurrence {
  rule: string;
  mode: 'due' | 'completion';
  summary?: string;
}

export interface Task {
  id: number;
  user_id: string;
  title: string;
  description: string;
  completed: boolean;
  completed_at: string | null;
  priority: Priority;
  tags: string[];
  due_at: string | null;
  time_zone: string;
  reminders: Reminder[];
  recurrence: Recurrence | null;
  series_id: string | null;
  occurrence: number;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TaskPage {
  items: Task[];
  next_cursor: string | null;
  /** Server time the page was read at (absent from pages added locally). */
  as_of?: string;
}

export interface ParseResult {
  title: string;
  due_at: string | null;
  time_zone: string;
  recurrence: Recurrence | null;
  tags: string[];
  priority: Priority;
  reminders: Reminder[];
}

export interface HistoryEntry {
  id: string | number;
  event_type: string;
  at: string;
  task_data: Partial<Task> | null;
}

export interface AppNotification {
  id: string | number;
  task_id: number;
  title: string;
  due_at: string | null;
  remind_at: string;
  created_at: string;
  read_at: string | null;
}

/** The `/api/v1/tasks` query string, as stored in saved views. */
export interface TaskQuery {
  status?: 'all' | 'pending' | 'completed';
  priority?: string;
  tags?: string;
  tag_mode?: 'any' | 'all';
  due_from?: string;
  due_to?: string;
  overdue?: string;
  no_due?: string;
  q?: string;
  sort?: 'due' | 'priority' | 'title' | 'created' | 'updated' | 'relevance';
  order?: 'asc' | 'desc';
}

export interface SavedView {
  id: string | number;
  name: string;
  query: TaskQuery & Record<string, string | undefined>;
}

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}
