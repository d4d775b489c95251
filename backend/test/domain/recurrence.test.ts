import { describe, expect, it } from 'vitest';
import {
  checkRule,
  describeRecurrence,
  nextOccurrence,
  upcomingOccurrences,
  wallClockToInstant,
  type OccurrenceInput,
} from '../../src/domain/recurrence.js';
import type { Recurrence } from '../../src/domain/types.js';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

function series(due_at: string, time_zone: string, rule: string, mode: Recurrence['mode'] = 'due', occurrence = 1): OccurrenceInput {
  return { due_at, time_zone, recurrence: { rule, mode }, occurrence };
}

/** Next due, completing exactly at the current due. */
function next(input: OccurrenceInput, completedAt = new Date(input.due_at)): string | null {
  return nextOccurrence(input, completedAt)?.due_at ?? null;
}

function dues(input: OccurrenceInput, n: number): string[] {
  return upcomingOccurrences(input, n).map((o) => o.due_at);
}

describe('nextOccurrence across DST', () => {
  it('keeps 09:00 Europe/Berlin across spring-forward (CET → CEST)', () => {
    expect(next(series('2026-03-28T08:00:00.000Z', BERLIN, 'FREQ=DAILY'))).toBe('2026-03-29T07:00:00.000Z');
  });

  it('keeps 09:00 Europe/Berlin across fall-back (CEST → CET)', () => {
    expect(next(series('2026-10-24T07:00:00.000Z', BERLIN, 'FREQ=DAILY'))).toBe('2026-10-25T08:00:00.000Z');
  });

  it('keeps 09:00 America/New_York across spring-forward, weekly', () => {
    expect(next(series('2026-03-05T14:00:00.000Z', NEW_YORK, 'FREQ=WEEKLY'))).toBe('2026-03-12T13:00:00.000Z');
  });

  it('keeps 09:00 America/New_York across fall-back, weekly', () => {
    expect(next(series('2026-10-29T13:00:00.000Z', NEW_YORK, 'FREQ=WEEKLY'))).toBe('2026-11-05T14:00:00.000Z');
  });

  it('moves a 02:30 that does not exist on spring-forward day to 03:30 (Berlin)', () => {
    expect(next(series('2026-03-28T01:30:00.000Z', BERLIN, 'FREQ=DAILY'))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('moves a 02:30 that does not exist on spring-forward day to 03:30 (New York)', () => {
    expect(next(series('2026-03-07T07:30:00.000Z', NEW_YORK, 'FREQ=DAILY'))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('continues from the shifted 03:30 when the rule carries no time of day (documented)', () => {
    expect(next(series('2026-03-29T01:30:00.000Z', BERLIN, 'FREQ=DAILY'))).toBe('2026-03-30T01:30:00.000Z');
  });

  it('returns to 02:30 after the gap when the rule carries BYHOUR/BYMINUTE', () => {
    expect(next(series('2026-03-29T01:30:00.000Z', BERLIN, 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30'))).toBe('2026-03-30T00:30:00.000Z');
  });

  it('picks the first of two 02:30s on fall-back day (Berlin), then 02:30 CET', () => {
    expect(dues(series('2026-10-24T00:30:00.000Z', BERLIN, 'FREQ=DAILY'), 3)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('picks the first of two 01:30s on fall-back day (New York)', () => {
    expect(dues(series('2026-10-31T05:30:00.000Z', NEW_YORK, 'FREQ=DAILY'), 3)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });
});

describe('nextOccurrence calendar cases', () => {
  it('skips months without a 31st (BYMONTHDAY=31, RFC 5545)', () => {
    expect(dues(series('2026-01-31T08:00:00.000Z', BERLIN, 'FREQ=MONTHLY;BYMONTHDAY=31'), 4)).toEqual([
      '2026-01-31T08:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
      '2026-05-31T07:00:00.000Z',
      '2026-07-31T07:00:00.000Z',
    ]);
  });

  it('infers the day from the due date for a plain FREQ=MONTHLY on the 31st', () => {
    expect(next(series('2026-01-31T08:00:00.000Z', BERLIN, 'FREQ=MONTHLY'))).toBe('2026-03-31T07:00:00.000Z');
  });

  it('BYMONTHDAY=-1 is the last day of every month, leap years included', () => {
    expect(dues(series('2028-01-31T08:00:00.000Z', BERLIN, 'FREQ=MONTHLY;BYMONTHDAY=-1'), 4)).toEqual([
      '2028-01-31T08:00:00.000Z',
      '2028-02-29T08:00:00.000Z',
      '2028-03-31T07:00:00.000Z',
      '2028-04-30T07:00:00.000Z',
    ]);
  });

  it('Feb 29 yearly occurs only in leap years', () => {
    expect(next(series('2028-02-29T08:00:00.000Z', BERLIN, 'FREQ=YEARLY'))).toBe('2032-02-29T08:00:00.000Z');
    expect(next(series('2028-02-29T08:00:00.000Z', BERLIN, 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29'))).toBe('2032-02-29T08:00:00.000Z');
  });

  it('every weekday: Friday → Monday (due mode)', () => {
    expect(next(series('2026-03-20T08:00:00.000Z', BERLIN, 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'))).toBe('2026-03-23T08:00:00.000Z');
  });

  it('every weekday: completed on Friday → Monday (completion mode)', () => {
    const input = series('2026-03-20T08:00:00.000Z', BERLIN, 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'completion');
    expect(next(input, new Date('2026-03-20T10:00:00.000Z'))).toBe('2026-03-23T08:00:00.000Z');
  });

  it('every 2 weeks on Monday and Friday', () => {
    expect(dues(series('2026-03-02T08:00:00.000Z', BERLIN, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR'), 6)).toEqual([
      '2026-03-02T08:00:00.000Z',
      '2026-03-06T08:00:00.000Z',
      '2026-03-16T08:00:00.000Z',
      '2026-03-20T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-03T07:00:00.000Z',
    ]);
  });

  it('last Friday of the month (BYDAY=-1FR)', () => {
    expect(dues(series('2026-01-30T08:00:00.000Z', BERLIN, 'FREQ=MONTHLY;BYDAY=-1FR'), 5)).toEqual([
      '2026-01-30T08:00:00.000Z',
      '2026-02-27T08:00:00.000Z',
      '2026-03-27T08:00:00.000Z',
      '2026-04-24T07:00:00.000Z',
      '2026-05-29T07:00:00.000Z',
    ]);
  });

  it('a due date that does not match the rule moves to the first matching date after it', () => {
    // Wednesday due, rule says Mondays.
    expect(next(series('2026-03-04T08:00:00.000Z', BERLIN, 'FREQ=WEEKLY;BYDAY=MO'))).toBe('2026-03-09T08:00:00.000Z');
  });

  it('accepts an RRULE: prefix and lower case', () => {
    expect(next(series('2026-03-02T08:00:00.000Z', BERLIN, 'rrule:freq=daily'))).toBe('2026-03-03T08:00:00.000Z');
  });
});

describe('nextOccurrence modes and ends', () => {
  it('due mode: the next date after the current due, even when completed late', () => {
    const input = series('2026-03-10T08:00:00.000Z', BERLIN, 'FREQ=DAILY');
    expect(next(input, new Date('2026-03-12T20:00:00.000Z'))).toBe('2026-03-11T08:00:00.000Z');
  });

  it('completion mode: every 3 days completed on the 10th → the 13th', () => {
    const input = series('2026-03-10T08:00:00.000Z', BERLIN, 'FREQ=DAILY;INTERVAL=3', 'completion');
    expect(next(input, new Date('2026-03-10T15:00:00.000Z'))).toBe('2026-03-13T08:00:00.000Z');
  });

  it('completion mode counts from the completion date, keeping the due time of day', () => {
    const input = series('2026-03-10T08:00:00.000Z', BERLIN, 'FREQ=DAILY;INTERVAL=3', 'completion');
    expect(next(input, new Date('2026-03-12T20:00:00.000Z'))).toBe('2026-03-15T08:00:00.000Z');
  });

  it('completion mode uses the calendar date in the task zone (00:30 Berlin is already the 11th)', () => {
    const input = series('2026-03-10T08:00:00.000Z', BERLIN, 'FREQ=DAILY;INTERVAL=3', 'completion');
    expect(next(input, new Date('2026-03-10T23:30:00.000Z'))).toBe('2026-03-14T08:00:00.000Z');
  });

  it('completion mode across spring-forward keeps the wall-clock time', () => {
    const input = series('2026-03-27T08:00:00.000Z', BERLIN, 'FREQ=DAILY;INTERVAL=2', 'completion');
    expect(next(input, new Date('2026-03-28T12:00:00.000Z'))).toBe('2026-03-30T07:00:00.000Z');
  });

  it('COUNT=3 yields occurrences 1, 2, 3 and then ends', () => {
    const first = series('2026-03-02T08:00:00.000Z', BERLIN, 'FREQ=DAILY;COUNT=3');
    expect(nextOccurrence(first, new Date())).toEqual({ due_at: '2026-03-03T08:00:00.000Z', occurrence: 2 });
    expect(nextOccurrence({ ...first, due_at: '2026-03-03T08:00:00.000Z', occurrence: 2 }, new Date())).toEqual({
      due_at: '2026-03-04T08:00:00.000Z',
      occurrence: 3,
    });
    expect(nextOccurrence({ ...first, due_at: '2026-03-04T08:00:00.000Z', occurrence: 3 }, new Date())).toBeNull();
    expect(upcomingOccurrences(first, 10)).toHaveLength(3);
  });

  it('UNTIL (UTC date-time) ends the series', () => {
    const rule = 'FREQ=DAILY;UNTIL=20260322T235959Z';
    expect(next(series('2026-03-21T08:00:00.000Z', BERLIN, rule))).toBe('2026-03-22T08:00:00.000Z');
    expect(next(series('2026-03-22T08:00:00.000Z', BERLIN, rule))).toBeNull();
  });

  it('a date-only UNTIL includes that whole day', () => {
    const rule = 'FREQ=DAILY;UNTIL=20260322';
    expect(next(series('2026-03-21T20:00:00.000Z', BERLIN, rule))).toBe('2026-03-22T20:00:00.000Z');
    expect(next(series('2026-03-22T20:00:00.000Z', BERLIN, rule))).toBeNull();
  });

  it('upcomingOccurrences previews a completion-mode series as if completed on time', () => {
    expect(dues(series('2026-03-10T08:00:00.000Z', BERLIN, 'FREQ=DAILY;INTERVAL=3', 'completion'), 3)).toEqual([
      '2026-03-10T08:00:00.000Z',
      '2026-03-13T08:00:00.000Z',
      '2026-03-16T08:00:00.000Z',
    ]);
  });

  it('throws on an invalid rule or zone (callers validate first)', () => {
    expect(() => next(series('2026-03-10T08:00:00.000Z', BERLIN, 'FREQ=HOURLY'))).toThrow(/at most daily/);
    expect(() => next(series('2026-03-10T08:00:00.000Z', 'Mars/Base', 'FREQ=DAILY'))).toThrow(/time zone/);
  });
});

describe('wallClockToInstant', () => {
  const floating = (iso: string) => new Date(`${iso}Z`);
  it('reads an ordinary time with its offset', () => {
    expect(wallClockToInstant(floating('2026-07-01T09:00:00'), BERLIN).toISOString()).toBe('2026-07-01T07:00:00.000Z');
  });
  it('reads a time in the gap with the offset before the gap', () => {
    expect(wallClockToInstant(floating('2026-03-29T02:30:00'), BERLIN).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
  it('reads a repeated time as the first one', () => {
    expect(wallClockToInstant(floating('2026-11-01T01:30:00'), NEW_YORK).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('describeRecurrence', () => {
  const cases: Array<[string, Recurrence['mode'], string]> = [
    ['FREQ=DAILY', 'due', 'Every day'],
    ['FREQ=DAILY;INTERVAL=3', 'completion', 'Every 3 days (from completion)'],
    ['FREQ=WEEKLY', 'due', 'Every week'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', 'due', 'Every 2 weeks on Monday'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=FR,MO', 'due', 'Every 2 weeks on Monday and Friday'],
    ['FREQ=WEEKLY;BYDAY=MO,WE,FR', 'due', 'Every week on Monday, Wednesday and Friday'],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'due', 'Every weekday'],
    ['FREQ=WEEKLY;BYDAY=SA,SU', 'due', 'Every weekend'],
    ['FREQ=MONTHLY', 'due', 'Every month'],
    ['FREQ=MONTHLY;BYMONTHDAY=1', 'due', 'Every month on the 1st'],
    ['FREQ=MONTHLY;BYMONTHDAY=1,15', 'due', 'Every month on the 1st and the 15th'],
    ['FREQ=MONTHLY;BYMONTHDAY=-1', 'due', 'Every month on the last day'],
    ['FREQ=MONTHLY;BYDAY=-1FR', 'due', 'Every month on the last Friday'],
    ['FREQ=MONTHLY;BYDAY=1MO', 'due', 'Every month on the first Monday'],
    ['FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=22', 'due', 'Every 3 months on the 22nd'],
    ['FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', 'due', 'Every month on the last weekday'],
    ['FREQ=YEARLY', 'due', 'Every year'],
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'due', 'Every year on February 29'],
    ['FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO', 'due', 'Every year on the last Monday of May'],
    ['FREQ=DAILY;COUNT=5', 'due', 'Every day, 5 times'],
    ['FREQ=DAILY;COUNT=1', 'due', 'Every day, once'],
    ['FREQ=WEEKLY;BYDAY=MO;UNTIL=20261231T235959Z', 'due', 'Every week on Monday, until 31 Dec 2026'],
    ['FREQ=DAILY;BYHOUR=9;BYMINUTE=30', 'due', 'Every day at 09:30'],
    ['FREQ=MONTHLY;BYMONTHDAY=11,12,13;BYDAY=FR', 'completion', 'Every month on Friday the 11th, 12th or 13th (from completion)'],
  ];
  it.each(cases)('%s (%s) → %s', (rule, mode, text) => {
    expect(describeRecurrence({ rule, mode })).toBe(text);
  });
});

describe('checkRule', () => {
  it('normalises prefix, case and stray separators', () => {
    expect(checkRule(' RRULE:freq=weekly;byday=mo,fr; ')).toEqual({ ok: true, rule: 'FREQ=WEEKLY;BYDAY=MO,FR' });
  });

  const rejects: Array<[string, string]> = [
    ['', 'Rule is empty; expected e.g. FREQ=WEEKLY;BYDAY=MO'],
    ['INTERVAL=2', 'Rule needs a FREQ, e.g. FREQ=DAILY'],
    ['FREQ=HOURLY', 'FREQ=HOURLY is not supported: tasks recur at most daily'],
    ['FREQ=MINUTELY', 'FREQ=MINUTELY is not supported: tasks recur at most daily'],
    ['FREQ=SOMETIMES', 'FREQ=SOMETIMES is invalid: expected DAILY, WEEKLY, MONTHLY or YEARLY'],
    ['DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY', "DTSTART is not allowed in the rule: the task's due date and time zone are its start"],
    ['FREQ=DAILY;DTSTART=20260101', "DTSTART is not allowed in the rule: the task's due date and time zone are its start"],
    ['FREQ=DAILY;FOO=1', 'Unknown rule part FOO'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'Rule part FREQ appears more than once'],
    ['FREQ=WEEKLY;BYDAY=XX', 'BYDAY=XX is invalid: expected weekday codes such as MO,FR or -1FR'],
    ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY=32 is invalid: expected days 1..31 or -31..-1'],
    ['FREQ=DAILY;INTERVAL=0', 'INTERVAL=0 is invalid: expected a whole number from 1 to 999'],
    ['FREQ=DAILY;COUNT=2;UNTIL=20260101', 'Use COUNT or UNTIL, not both'],
    ['FREQ=DAILY;UNTIL=20260230', 'UNTIL=20260230 is invalid: expected a date YYYYMMDD or date-time YYYYMMDDTHHMMSSZ'],
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'Rule never produces a date (e.g. February 30)'],
    ['FREQ=YEARLY;BYMONTH=4,6;BYMONTHDAY=31', 'Rule never produces a date (e.g. February 30)'],
    ['FREQ=WEEKLY;BYMONTHDAY=3', 'BYMONTHDAY cannot be combined with FREQ=WEEKLY'],
    ['FREQ=MONTHLY;BYWEEKNO=3', 'BYWEEKNO needs FREQ=YEARLY'],
    ['FREQ=WEEKLY;BYDAY=-1FR', 'Numbered weekdays (e.g. -1FR) need FREQ=MONTHLY or YEARLY'],
    ['FREQ=MONTHLY;BYDAY=6MO', 'A month has at most 5 of each weekday'],
    ['FREQ', 'Rule part "FREQ" is not KEY=VALUE'],
    [`FREQ=DAILY;${'BYHOUR=1;'.repeat(60)}`, 'Rule must be at most 500 characters'],
  ];
  it.each(rejects)('rejects %j', (rule, message) => {
    expect(checkRule(rule)).toEqual({ ok: false, message });
  });
});
