import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  canonicalTimeZone,
  checkTaskInvariants,
  descriptionSchema,
  instantSchema,
  newTaskFieldsSchema,
  prioritySchema,
  recurrenceSchema,
  reminderSchema,
  remindersSchema,
  tagSchema,
  tagsSchema,
  taskPatchFieldsSchema,
  timeZoneSchema,
  titleSchema,
} from '../../src/domain/task.js';

/** The messages of a failed parse, as "path: message". */
function problems(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('titleSchema', () => {
  it('trims', () => expect(titleSchema.parse('  Buy milk \n')).toBe('Buy milk'));
  it('accepts exactly 200 characters', () => expect(titleSchema.parse('x'.repeat(200))).toHaveLength(200));
  it('rejects 201 characters', () => expect(problems(titleSchema, 'x'.repeat(201))).toEqual([': Title must be at most 200 characters']));
  it('rejects blank', () => expect(problems(titleSchema, '   ')).toEqual([': Title is required']));
  it('rejects missing', () => expect(problems(titleSchema, undefined)).toEqual([': Title is required']));
  it('rejects non-strings', () => expect(problems(titleSchema, 5)).toEqual([': Title must be a string']));
});

describe('descriptionSchema and prioritySchema', () => {
  it('limits the description', () => {
    expect(descriptionSchema.parse('x'.repeat(4000))).toHaveLength(4000);
    expect(problems(descriptionSchema, 'x'.repeat(4001))).toEqual([': Description must be at most 4000 characters']);
  });
  it('accepts the four priorities only', () => {
    expect(['none', 'low', 'medium', 'high'].map((p) => prioritySchema.parse(p))).toEqual(['none', 'low', 'medium', 'high']);
    expect(problems(prioritySchema, 'urgent')).toEqual([': Priority must be one of none, low, medium, high']);
  });
});

describe('tags', () => {
  it.each([
    ['work', 'work'],
    ['  #Work ', 'work'],
    ['##Home', 'home'],
    ['Deep   Work', 'deep-work'],
    ['Projekt/Küche_2', 'projekt/küche_2'],
    ['日本', '日本'],
  ])('normalises %j → %j', (raw, tag) => expect(tagSchema.parse(raw)).toBe(tag));

  it('rejects empty, too long and odd characters', () => {
    expect(problems(tagSchema, ' # ')).toEqual([': Tag must not be empty']);
    expect(problems(tagSchema, 'x'.repeat(33))).toEqual([': Tag must be at most 32 characters']);
    expect(problems(tagSchema, 'a.b')).toEqual([': Tag may contain only letters, digits, "-", "_" and "/"']);
  });

  it('de-duplicates after normalising, keeping first-seen order', () => {
    expect(tagsSchema.parse(['Work', 'home', '#work', 'WORK', 'deep work'])).toEqual(['work', 'home', 'deep-work']);
  });

  it('allows 20 distinct tags, not 21', () => {
    const tags = Array.from({ length: 21 }, (_, i) => `t${i}`);
    expect(tagsSchema.parse(tags.slice(0, 20))).toHaveLength(20);
    expect(problems(tagsSchema, tags)).toEqual([': At most 20 tags are allowed']);
    expect(tagsSchema.parse([...tags.slice(0, 20), 'T0'])).toHaveLength(20);
  });

  it('points at the bad tag', () =>
    expect(problems(tagsSchema, ['ok', 'a b!'])).toEqual(['1: Tag may contain only letters, digits, "-", "_" and "/"']));
});

describe('timeZoneSchema', () => {
  it('accepts IANA zones and canonicalises their case', () => {
    expect(timeZoneSchema.parse('Europe/Berlin')).toBe('Europe/Berlin');
    expect(timeZoneSchema.parse('america/new_york')).toBe('America/New_York');
    expect(timeZoneSchema.parse('UTC')).toBe('UTC');
  });
  it('rejects unknown zones', () => {
    expect(problems(timeZoneSchema, 'Mars/Base')).toEqual([
      ': Unknown time zone "Mars/Base"; use an IANA name such as Europe/Berlin or UTC',
    ]);
    expect(problems(timeZoneSchema, '')).toEqual([': Unknown time zone ""; use an IANA name such as Europe/Berlin or UTC']);
  });
  it('answers the same from its lookups, unknown names too, and after more distinct names than it keeps', () => {
    for (let round = 0; round < 2; round++) {
      expect(canonicalTimeZone('asia/tokyo')).toBe('Asia/Tokyo');
      expect(canonicalTimeZone('Mars/Base')).toBeNull();
    }
    for (let i = 0; i < 2_500; i++) expect(canonicalTimeZone(`Nowhere/Place${i}`)).toBeNull();
    expect(canonicalTimeZone('asia/tokyo')).toBe('Asia/Tokyo');
    expect(canonicalTimeZone('Nowhere/Place7')).toBeNull();
  });
});

describe('instantSchema', () => {
  it('normalises to UTC', () => {
    expect(instantSchema.parse('2026-05-01T09:00:00+02:00')).toBe('2026-05-01T07:00:00.000Z');
    expect(instantSchema.parse('2026-05-01T09:00:00.5Z')).toBe('2026-05-01T09:00:00.500Z');
    expect(instantSchema.parse('2026-11-01T01:30:00-05:00')).toBe('2026-11-01T06:30:00.000Z');
  });
  it('requires an offset and a real date', () => {
    const message = ': Expected an ISO-8601 date-time with an offset, e.g. 2026-05-01T09:00:00+02:00';
    expect(problems(instantSchema, '2026-05-01T09:00:00')).toEqual([message]);
    expect(problems(instantSchema, '2026-02-30T09:00:00Z')).toEqual([message]);
    expect(problems(instantSchema, 'tomorrow')).toEqual([message]);
  });
});

describe('reminders', () => {
  it('accepts both shapes', () => {
    expect(reminderSchema.parse({ minutes_before: 0 })).toEqual({ minutes_before: 0 });
    expect(reminderSchema.parse({ at: '2026-05-01T09:00:00+02:00' })).toEqual({ at: '2026-05-01T07:00:00.000Z' });
  });
  it('bounds minutes_before', () => {
    expect(problems(reminderSchema, { minutes_before: -1 })).toEqual(['minutes_before: minutes_before must be 0 or more']);
    expect(problems(reminderSchema, { minutes_before: 525601 })).toEqual([
      'minutes_before: minutes_before must be at most 525600 (one year)',
    ]);
    expect(problems(reminderSchema, { minutes_before: 1.5 })).toEqual([
      ': A reminder is either {"minutes_before": <minutes>} or {"at": "<ISO date-time>"}',
    ]);
  });
  it('rejects other shapes', () => {
    expect(problems(reminderSchema, {})).toEqual([': A reminder is either {"minutes_before": <minutes>} or {"at": "<ISO date-time>"}']);
    expect(reminderSchema.safeParse({ minutes_before: 5, at: '2026-05-01T09:00:00Z' }).success).toBe(false);
    expect(reminderSchema.safeParse({ minutes_before: 5, extra: true }).success).toBe(false);
  });
  it('de-duplicates (after normalising instants) and limits the count', () => {
    expect(
      remindersSchema.parse([
        { minutes_before: 10 },
        { at: '2026-05-01T09:00:00+02:00' },
        { minutes_before: 10 },
        { at: '2026-05-01T07:00:00Z' },
      ]),
    ).toEqual([{ minutes_before: 10 }, { at: '2026-05-01T07:00:00.000Z' }]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ minutes_before: i }));
    expect(problems(remindersSchema, eleven)).toEqual([': At most 10 reminders are allowed']);
  });
});

describe('recurrenceSchema', () => {
  it('normalises the rule and defaults mode to "due"', () => {
    expect(recurrenceSchema.parse({ rule: 'RRULE:freq=weekly;byday=mo' })).toEqual({ rule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'due' });
    expect(recurrenceSchema.parse({ rule: 'FREQ=DAILY;INTERVAL=3', mode: 'completion' })).toEqual({
      rule: 'FREQ=DAILY;INTERVAL=3',
      mode: 'completion',
    });
  });
  it('reports rule problems on the rule field', () => {
    expect(problems(recurrenceSchema, { rule: 'FREQ=HOURLY' })).toEqual(['rule: FREQ=HOURLY is not supported: tasks recur at most daily']);
    expect(problems(recurrenceSchema, { rule: 'DTSTART:20260101T000000Z' })).toEqual([
      "rule: DTSTART is not allowed in the rule: the task's due date and time zone are its start",
    ]);
    expect(problems(recurrenceSchema, { rule: 'FREQ=DAILY', mode: 'sometimes' })).toEqual([
      'mode: Recurrence mode must be "due" or "completion"',
    ]);
    expect(problems(recurrenceSchema, { rule: 'x'.repeat(501) })).toEqual(['rule: Rule must be at most 500 characters']);
  });
});

describe('newTaskFieldsSchema / taskPatchFieldsSchema', () => {
  it('parses and normalises a full task', () => {
    expect(
      newTaskFieldsSchema.parse({
        title: ' Pay rent ',
        priority: 'high',
        tags: ['#Home', 'home'],
        due_at: '2026-12-01T10:00:00+01:00',
        time_zone: 'europe/berlin',
        reminders: [{ minutes_before: 60 }],
        recurrence: { rule: 'FREQ=MONTHLY;BYMONTHDAY=1' },
      }),
    ).toEqual({
      title: 'Pay rent',
      priority: 'high',
      tags: ['home'],
      due_at: '2026-12-01T09:00:00.000Z',
      time_zone: 'Europe/Berlin',
      reminders: [{ minutes_before: 60 }],
      recurrence: { rule: 'FREQ=MONTHLY;BYMONTHDAY=1', mode: 'due' },
    });
  });
  it('requires a title and rejects unknown fields', () => {
    expect(problems(newTaskFieldsSchema, {})).toEqual(['title: Title is required']);
    expect(problems(newTaskFieldsSchema, { title: 'x', owner: 'me' })).toEqual([': Unrecognized key: "owner"']);
    expect(problems(newTaskFieldsSchema, { title: 'x', completed: true })).toEqual([': Unrecognized key: "completed"']);
  });
  it('accepts null to clear due_at and recurrence', () => {
    expect(newTaskFieldsSchema.parse({ title: 'x', due_at: null, recurrence: null })).toEqual({
      title: 'x',
      due_at: null,
      recurrence: null,
    });
  });
  it('patch: everything optional, plus completed', () => {
    expect(taskPatchFieldsSchema.parse({})).toEqual({});
    expect(taskPatchFieldsSchema.parse({ completed: true, title: ' y ' })).toEqual({ completed: true, title: 'y' });
    expect(problems(taskPatchFieldsSchema, { completed: 'yes' })).toEqual(['completed: completed must be true or false']);
    expect(problems(taskPatchFieldsSchema, { title: '' })).toEqual(['title: Title is required']);
  });
});

describe('checkTaskInvariants', () => {
  it('accepts consistent fields', () => {
    expect(
      checkTaskInvariants({
        due_at: '2026-01-01T00:00:00.000Z',
        reminders: [{ minutes_before: 5 }],
        recurrence: { rule: 'FREQ=DAILY', mode: 'due' },
      }),
    ).toEqual([]);
    expect(checkTaskInvariants({ due_at: null, reminders: [{ at: '2026-01-01T00:00:00.000Z' }], recurrence: null })).toEqual([]);
  });
  it('relative reminders and recurrence need a due date', () => {
    expect(
      checkTaskInvariants({
        due_at: null,
        reminders: [{ at: '2026-01-01T00:00:00.000Z' }, { minutes_before: 5 }],
        recurrence: { rule: 'FREQ=DAILY', mode: 'due' },
      }),
    ).toEqual([
      { path: 'reminders.1', message: 'A reminder relative to the due time needs a due date' },
      { path: 'recurrence', message: 'A recurring task needs a due date to start from' },
    ]);
  });
});
