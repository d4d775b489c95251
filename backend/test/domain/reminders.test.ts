import { describe, expect, it } from 'vitest';
import { diffReminderJobs, reminderInstants, reminderJobName, type ReminderSource } from '../../src/domain/reminders.js';

const task: ReminderSource = {
  id: 42,
  due_at: '2026-05-01T09:00:00.000Z',
  reminders: [{ minutes_before: 60 }, { at: '2026-04-30T18:00:00.000Z' }, { minutes_before: 0 }],
  occurrence: 1,
  completed: false,
};

describe('reminderInstants', () => {
  it('computes relative and absolute instants, sorted', () => {
    expect(reminderInstants(task).map((j) => j.remind_at)).toEqual([
      '2026-04-30T18:00:00.000Z',
      '2026-05-01T08:00:00.000Z',
      '2026-05-01T09:00:00.000Z',
    ]);
  });

  it('names jobs deterministically and job-safely', () => {
    const jobs = reminderInstants(task);
    expect(jobs).toEqual(reminderInstants({ ...task }));
    for (const job of jobs) expect(job.name).toMatch(/^reminder-42-[0-9a-f]{12}$/);
    expect(new Set(jobs.map((j) => j.name)).size).toBe(3);
    expect(jobs[0]?.name).toBe(reminderJobName(42, '2026-04-30T18:00:00.000Z', 1));
  });

  it('de-duplicates reminders that land on the same instant', () => {
    const same = { ...task, reminders: [{ minutes_before: 60 }, { at: '2026-05-01T08:00:00.000Z' }] };
    expect(reminderInstants(same)).toHaveLength(1);
  });

  it('skips relative reminders without a due date, keeps absolute ones', () => {
    expect(reminderInstants({ ...task, due_at: null }).map((j) => j.remind_at)).toEqual(['2026-04-30T18:00:00.000Z']);
  });

  it('has none for a completed task', () => {
    expect(reminderInstants({ ...task, completed: true })).toEqual([]);
  });

  it('gives a new name when the time or the occurrence changes', () => {
    const [before] = reminderInstants({ ...task, reminders: [{ minutes_before: 60 }] });
    const [moved] = reminderInstants({ ...task, due_at: '2026-05-02T09:00:00.000Z', reminders: [{ minutes_before: 60 }] });
    const [nextOccurrence] = reminderInstants({ ...task, occurrence: 2, reminders: [{ minutes_before: 60 }] });
    expect(before?.name).not.toBe(moved?.name);
    expect(before?.name).not.toBe(nextOccurrence?.name);
    expect(reminderJobName(1, '2026-05-01T08:00:00.000Z', 1)).toBe(reminderJobName(1, '2026-05-01T08:00:00.000Z', 1));
  });
});

describe('diffReminderJobs', () => {
  it('schedules new names and cancels vanished ones', () => {
    const before = reminderInstants(task);
    const after = reminderInstants({ ...task, reminders: [{ minutes_before: 60 }, { minutes_before: 15 }] });
    const diff = diffReminderJobs(before, after);
    expect(diff.schedule.map((j) => j.remind_at)).toEqual(['2026-05-01T08:45:00.000Z']);
    expect(diff.cancel).toEqual([before[0]?.name, before[2]?.name]);
  });

  it('is empty when nothing changed, and cancels all on completion', () => {
    const jobs = reminderInstants(task);
    expect(diffReminderJobs(jobs, reminderInstants({ ...task }))).toEqual({ schedule: [], cancel: [] });
    expect(diffReminderJobs(jobs, reminderInstants({ ...task, completed: true }))).toEqual({
      schedule: [],
      cancel: jobs.map((j) => j.name),
    });
    expect(diffReminderJobs([], jobs)).toEqual({ schedule: jobs, cancel: [] });
  });
});
