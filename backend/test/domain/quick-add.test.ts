import { describe, expect, it } from 'vitest';
import { parseQuickAdd, QuickAddError, type QuickAddResult } from '../../src/domain/quick-add.js';

/** Wednesday 25 March 2026, 11:00 in Berlin (CET, four days before the switch to CEST). */
const NOW = new Date('2026-03-25T10:00:00.000Z');
const BERLIN = 'Europe/Berlin';

function parse(text: string, now = NOW, timeZone = BERLIN): QuickAddResult {
  return parseQuickAdd(text, { now, timeZone });
}

const plain = { time_zone: BERLIN, recurrence: null, tags: [], priority: 'none', reminders: [] } as const;

describe('parseQuickAdd: the documented examples', () => {
  it('Pay rent every month on the 1st at 9am #home !high', () => {
    expect(parse('Pay rent every month on the 1st at 9am #home !high')).toEqual({
      ...plain,
      title: 'Pay rent',
      due_at: '2026-04-01T07:00:00.000Z',
      recurrence: { rule: 'FREQ=MONTHLY;BYMONTHDAY=1', mode: 'due' },
      tags: ['home'],
      priority: 'high',
    });
  });

  it('Call mom tomorrow 6pm', () => {
    expect(parse('Call mom tomorrow 6pm')).toEqual({ ...plain, title: 'Call mom', due_at: '2026-03-26T17:00:00.000Z' });
  });

  it('Standup every weekday 9:30 #work (today 09:30 has passed → Thursday)', () => {
    expect(parse('Standup every weekday 9:30 #work')).toEqual({
      ...plain,
      title: 'Standup',
      due_at: '2026-03-26T08:30:00.000Z',
      recurrence: { rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', mode: 'due' },
      tags: ['work'],
    });
  });

  it('Team sync every 2 weeks on Mon and Fri at 10', () => {
    expect(parse('Team sync every 2 weeks on Mon and Fri at 10')).toEqual({
      ...plain,
      title: 'Team sync',
      due_at: '2026-03-27T09:00:00.000Z',
      recurrence: { rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR', mode: 'due' },
    });
  });

  it('Review last friday of every month (date only → 09:00)', () => {
    expect(parse('Review last friday of every month')).toEqual({
      ...plain,
      title: 'Review',
      due_at: '2026-03-27T08:00:00.000Z',
      recurrence: { rule: 'FREQ=MONTHLY;BYDAY=-1FR', mode: 'due' },
    });
  });

  it('Buy milk', () => {
    expect(parse('Buy milk')).toEqual({ ...plain, title: 'Buy milk', due_at: null });
  });

  it('Dentist on Dec 3 at 14:15 !!', () => {
    expect(parse('Dentist on Dec 3 at 14:15 !!')).toEqual({
      ...plain,
      title: 'Dentist',
      due_at: '2026-12-03T13:15:00.000Z',
      priority: 'medium',
    });
  });

  it('Water plants every 3 days after completion', () => {
    expect(parse('Water plants every 3 days after completion')).toEqual({
      ...plain,
      title: 'Water plants',
      due_at: '2026-03-26T08:00:00.000Z',
      recurrence: { rule: 'FREQ=DAILY;INTERVAL=3', mode: 'completion' },
    });
  });
});

describe('parseQuickAdd: dates and DST', () => {
  it('reads a date after the spring-forward switch with the summer offset (Berlin)', () => {
    // Friday 27 March, CET; Monday 30 March is CEST.
    expect(parse('Call mom monday 6pm', new Date('2026-03-27T10:00:00.000Z')).due_at).toBe('2026-03-30T16:00:00.000Z');
  });

  it('reads a date after the spring-forward switch with the summer offset (New York)', () => {
    expect(parse('Call mom monday 6pm', new Date('2026-03-06T15:00:00.000Z'), 'America/New_York').due_at).toBe('2026-03-09T22:00:00.000Z');
  });

  it('reads a date after fall-back with the winter offset (Berlin)', () => {
    expect(parse('Call mom monday 6pm', new Date('2026-10-23T10:00:00.000Z')).due_at).toBe('2026-10-26T17:00:00.000Z');
  });

  it('uses the given zone for "tomorrow"', () => {
    expect(parse('Call mom tomorrow 6pm', NOW, 'America/New_York')).toMatchObject({
      due_at: '2026-03-26T22:00:00.000Z',
      time_zone: 'America/New_York',
    });
  });

  it('"tomorrow" early in the local morning is the next local day', () => {
    // 23:30 UTC on the 25th is already 00:30 on the 26th in Berlin.
    expect(parse('Call tomorrow', new Date('2026-03-25T23:30:00.000Z')).due_at).toBe('2026-03-27T08:00:00.000Z');
  });

  it('a time alone is the next such time: later today…', () => {
    expect(parse('Call Anna at 5pm').due_at).toBe('2026-03-25T16:00:00.000Z');
  });

  it('…or tomorrow when it has passed', () => {
    expect(parse('Call Anna at 9am').due_at).toBe('2026-03-26T08:00:00.000Z');
  });

  it('casual times: tonight → 22:00', () => {
    expect(parse('Read 1984 tonight')).toMatchObject({ title: 'Read 1984', due_at: '2026-03-25T21:00:00.000Z' });
  });

  it('a relative time is an exact instant', () => {
    expect(parse('Meet Bob in 2 hours')).toMatchObject({ title: 'Meet Bob', due_at: '2026-03-25T12:00:00.000Z' });
  });

  it('the last date expression wins; earlier ones stay in the title', () => {
    expect(parse('Prepare Monday slides tomorrow')).toMatchObject({ title: 'Prepare Monday slides', due_at: '2026-03-26T08:00:00.000Z' });
  });

  it('a date and a separate time are combined', () => {
    expect(parse('Call mom tomorrow #family at 6pm')).toMatchObject({
      title: 'Call mom',
      due_at: '2026-03-26T17:00:00.000Z',
      tags: ['family'],
    });
  });

  it('a time in the spring-forward gap moves forward an hour', () => {
    expect(parse('Check backups sunday 2:30am').due_at).toBe('2026-03-29T01:30:00.000Z');
  });

  it('rejects an unknown zone', () => {
    expect(() => parse('x', NOW, 'Mars/Base')).toThrow('Unknown time zone: Mars/Base');
  });
});

describe('parseQuickAdd: titles keep words that only look like dates', () => {
  it.each([
    ['Review March report', 'Review March report'],
    ['Read 1984', 'Read 1984'],
    ['Watch May December', 'Watch May December'],
    ['Fix bug 404', 'Fix bug 404'],
    ['Buy 2 apples', 'Buy 2 apples'],
  ])('%j has no due date', (text, title) => {
    expect(parse(text)).toMatchObject({ title, due_at: null, recurrence: null });
  });

  it('quoted text is never parsed, and loses its quotes', () => {
    expect(parse('Watch "Friday Night Lights" tomorrow')).toMatchObject({
      title: 'Watch Friday Night Lights',
      due_at: '2026-03-26T08:00:00.000Z',
    });
    expect(parse('Book "every day is a gift" #books')).toMatchObject({
      title: 'Book every day is a gift',
      recurrence: null,
      tags: ['books'],
    });
  });

  it('falls back to the whole text when nothing would be left', () => {
    expect(parse('tomorrow')).toMatchObject({ title: 'tomorrow', due_at: '2026-03-26T08:00:00.000Z' });
    expect(parse('  #home   !high ')).toMatchObject({ title: '#home !high', tags: ['home'], priority: 'high' });
  });

  it('e-mail-like and mid-word hashes are not tags', () => {
    expect(parse('Reply to C# question from a#b')).toMatchObject({ title: 'Reply to C# question from a#b', tags: [] });
  });
});

describe('parseQuickAdd: recurrence phrases', () => {
  it.each([
    ['Stretch every day', 'FREQ=DAILY', 'due'],
    ['Stretch daily', 'FREQ=DAILY', 'due'],
    ['Water every other day', 'FREQ=DAILY;INTERVAL=2', 'due'],
    ['Gym every! 2 days 7am', 'FREQ=DAILY;INTERVAL=2', 'completion'],
    ['Standup weekdays at 9:30', 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'due'],
    ['Clean every weekend', 'FREQ=WEEKLY;BYDAY=SA,SU', 'due'],
    ['Report weekly', 'FREQ=WEEKLY', 'due'],
    ['Report every week on Tuesday', 'FREQ=WEEKLY;BYDAY=TU', 'due'],
    ['Gym every Mon, Wed and Fri at 18:00', 'FREQ=WEEKLY;BYDAY=MO,WE,FR', 'due'],
    ['Bins every other thursday', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH', 'due'],
    ['Payroll biweekly on friday', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=FR', 'due'],
    ['Invoice monthly', 'FREQ=MONTHLY', 'due'],
    ['Invoice every 3 months', 'FREQ=MONTHLY;INTERVAL=3', 'due'],
    ['Budget every month on the 1st and 15th', 'FREQ=MONTHLY;BYMONTHDAY=1,15', 'due'],
    ['Backup every last day of the month', 'FREQ=MONTHLY;BYMONTHDAY=-1', 'due'],
    ['Rent every 1st', 'FREQ=MONTHLY;BYMONTHDAY=1', 'due'],
    ['Review every last friday', 'FREQ=MONTHLY;BYDAY=-1FR', 'due'],
    ['Board meeting every first monday of the month', 'FREQ=MONTHLY;BYDAY=1MO', 'due'],
    ['Taxes every year', 'FREQ=YEARLY', 'due'],
    ['Taxes annually on April 30', 'FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=30', 'due'],
    ['Birthday every Feb 29', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'due'],
    ['Standup daily at 9 for 5 times', 'FREQ=DAILY;COUNT=5', 'due'],
    ['Pay invoice every month until Dec 31', 'FREQ=MONTHLY;UNTIL=20261231', 'due'],
    ['Descale every 2 weeks from completion', 'FREQ=WEEKLY;INTERVAL=2', 'completion'],
  ])('%j → %s (%s)', (text, rule, mode) => {
    const result = parse(text);
    expect(result.recurrence).toEqual({ rule, mode });
    expect(result.title).not.toMatch(/every|daily|weekly|monthly|annually|biweekly|weekdays|times|until|completion/i);
  });

  it('places the first due on the first matching date', () => {
    expect(parse('Birthday every Feb 29').due_at).toBe('2028-02-29T08:00:00.000Z');
    expect(parse('Budget every month on the 1st and 15th').due_at).toBe('2026-04-01T07:00:00.000Z');
    expect(parse('Board meeting every first monday of the month').due_at).toBe('2026-04-06T07:00:00.000Z');
    expect(parse('Gym every Mon, Wed and Fri at 18:00').due_at).toBe('2026-03-25T17:00:00.000Z');
    expect(parse('Backup every last day of the month').due_at).toBe('2026-03-31T07:00:00.000Z');
  });

  it('an explicit start date anchors the series', () => {
    expect(parse('Report every week on Tuesday starting Apr 7')).toMatchObject({
      title: 'Report',
      due_at: '2026-04-07T07:00:00.000Z',
      recurrence: { rule: 'FREQ=WEEKLY;BYDAY=TU', mode: 'due' },
    });
  });
});

describe('parseQuickAdd: tags, priority, reminders', () => {
  it('normalises and de-duplicates tags', () => {
    expect(parse('Book flights #travel/2026 #Work #work')).toMatchObject({ title: 'Book flights', tags: ['travel/2026', 'work'] });
  });

  it.each([
    ['!high', 'high'],
    ['!medium', 'medium'],
    ['!med', 'medium'],
    ['!low', 'low'],
    ['!!!', 'high'],
    ['!!', 'medium'],
    ['!', 'low'],
    ['p1', 'high'],
    ['P2', 'medium'],
    ['p3', 'low'],
    ['p4', 'none'],
  ])('%s → %s', (marker, priority) => {
    expect(parse(`Do it ${marker}`)).toMatchObject({ title: 'Do it', priority });
  });

  it('the first priority marker wins; all are removed', () => {
    expect(parse('Do it p2 !high')).toMatchObject({ title: 'Do it', priority: 'medium' });
  });

  it('keeps "!" inside words', () => {
    expect(parse('Yay! Ship it')).toMatchObject({ title: 'Yay! Ship it', priority: 'none' });
  });

  it('^ sets reminders before the due time', () => {
    expect(parse('Submit report friday 5pm ^30m ^1h ^1h30m ^1d ^0 ^30m')).toMatchObject({
      title: 'Submit report',
      due_at: '2026-03-27T16:00:00.000Z',
      reminders: [{ minutes_before: 30 }, { minutes_before: 60 }, { minutes_before: 90 }, { minutes_before: 1440 }, { minutes_before: 0 }],
    });
  });
});

describe('parseQuickAdd: casual times of day', () => {
  it.each([
    ['Call Sam this evening', '2026-03-25T19:00:00.000Z'],
    ['Run tomorrow morning', '2026-03-26T05:00:00.000Z'],
    ['Lunch tomorrow at noon', '2026-03-26T11:00:00.000Z'],
  ])('%j → %s', (text, due) => {
    expect(parse(text).due_at).toBe(due);
  });
});

describe('parseQuickAdd: reminders in words', () => {
  it('Buy groceries today 5pm remind me 30 minutes before', () => {
    expect(parse('Buy groceries today 5pm remind me 30 minutes before')).toEqual({
      ...plain,
      title: 'Buy groceries',
      due_at: '2026-03-25T16:00:00.000Z',
      reminders: [{ minutes_before: 30 }],
    });
  });

  it.each([
    ['Call mom tomorrow 6pm, remind me an hour and 30 minutes before', [90]],
    ['Call mom tomorrow 6pm remind me half an hour earlier', [30]],
    ['Pay bills friday remind me 1 day before and 2 hours before #home', [1440, 120]],
    ['Pay bills friday, reminder 2 days in advance', [2880]],
    ['Pay bills friday and remind me 1 week ahead', [10080]],
    ['Pay bills friday remind me 15 min before it is due ^1h', [15, 60]],
    ['Standup every weekday 9:30 remind me at the due time', [0]],
    ['Plan a day trip tomorrow remind me a day before', [1440]],
  ])('%j → minutes before %j', (text, minutes) => {
    const result = parse(text);
    expect(result.reminders).toEqual(minutes.map((m) => ({ minutes_before: m })));
    expect(result.title).not.toMatch(/remind|before|earlier|advance|ahead|tomorrow|friday|\^/i);
  });

  it('"remind" inside a title without a duration stays in the title', () => {
    expect(parse('Remind Bob about the invoice')).toMatchObject({ title: 'Remind Bob about the invoice', reminders: [] });
    expect(parse('Ask Bob to remind me about the form tomorrow')).toMatchObject({
      title: 'Ask Bob to remind me about the form',
      due_at: '2026-03-26T08:00:00.000Z',
      reminders: [],
    });
  });
});

describe('parseQuickAdd: nonsense is an error, never a different task', () => {
  it.each([
    ['Stretch every 0 days', 'INTERVAL=0 is invalid'],
    ['Report every 0 weeks', 'INTERVAL=0 is invalid'],
    ['Stretch every 1000 days', 'INTERVAL=1000 is invalid'],
    ['Birthday every Feb 30', 'every Feb 30'],
    ['Taxes april 30 remind me 300 years before', 'at most 365 days'],
    ['Taxes april 30 remind me 2 centuries before', 'at most 365 days'],
    ['Report friday ^99999d', 'at most 365 days'],
    ['Report friday ^53w', 'at most 365 days'],
  ])('%j is rejected (%s)', (text, message) => {
    expect(() => parse(text)).toThrow(QuickAddError);
    expect(() => parse(text)).toThrow(message);
  });

  it('a year before is still allowed', () => {
    expect(parse('Renew passport dec 1 remind me 1 year before').reminders).toEqual([{ minutes_before: 525600 }]);
  });
});
