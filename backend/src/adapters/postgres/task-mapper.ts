/**
 * Priority ↔ column value. The rest of a task's layout is in task-json.ts (rendering)
 * and task-repository.ts (writing).
 */
import { PRIORITIES, type Priority } from '../../domain/types.js';

/** 0 none … 3 high, so that "sort by priority" is an index scan. */
export const priorityToDb = (p: Priority): number => PRIORITIES.indexOf(p);
export const priorityFromDb = (n: number): Priority => PRIORITIES[n] ?? 'none';
