/**
 * Recurring tasks: RFC 5545 RRULE bodies evaluated in the task's own time zone.
 *
 * `rrule` computes in "floating" time: a JS Date whose UTC fields are read as a
 * wall-clock time with no zone. The task's due instant is turned into its wall
 * clock in `time_zone`, the rule runs on wall clocks, and each result is turned
 * back into an instant in that zone. That is what keeps "09:00 Europe/Berlin" at
 * 09:00 on both sides of a DST switch.
 */
import rrulePkg from 'rrule';
import type { Options as RRuleOptions, Weekday as RRuleWeekday } from 'rrule';
import { DateTime } from 'luxon';
import type { Recurrence } from './types.js';
import { LIMITS } from './types.js';

// rrule ships CommonJS for Node (its ESM build lacks file extensions), so named
// imports fail at runtime; the default import is the module object.
const { RRule, Frequency } = rrulePkg;
type RRuleInstance = InstanceType<typeof RRule>;

// ─── Rule syntax ─────────────────────────────────────────────────────────────

/** Frequencies a task may recur at. See `docs/quick-add.md` for why nothing finer than daily. */
export const SUPPORTED_FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;

const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const INT_LIST = (min: number, max: number, signed: boolean) => (value: string) =>
  value.split(',').every((part) => {
    if (!/^[+-]?\d{1,3}$/.test(part)) return false;
    const n = Number(part);
    if (n < 0 && !signed) return false;
    const abs = Math.abs(n);
    return abs >= min && abs <= max && (signed ? n !== 0 : true);
  });

/** Per-part value checks. rrule itself accepts nonsense such as `BYDAY=XX` or `BYMONTHDAY=40`. */
const PART_CHECKS: Record<string, { check: (v: string) => boolean; expect: string }> = {
  FREQ: { check: (v) => /^[A-Z]+$/.test(v), expect: 'DAILY, WEEKLY, MONTHLY or YEARLY' },
  INTERVAL: { check: (v) => /^\d{1,3}$/.test(v) && Number(v) >= 1, expect: 'a whole number from 1 to 999' },
  COUNT: { check: (v) => /^\d{1,4}$/.test(v) && Number(v) >= 1, expect: 'a whole number from 1 to 9999' },
  UNTIL: { check: isValidUntil, expect: 'a date YYYYMMDD or date-time YYYYMMDDTHHMMSSZ' },
  WKST: { check: (v) => (WEEKDAY_CODES as readonly string[]).includes(v), expect: 'a weekday code (MO…SU)' },
  BYDAY: {
    check: (v) =>
      v.split(',').every((p) => {
        const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(p);
        if (!m) return false;
        if (m[1] === undefined) return true;
        const n = Math.abs(Number(m[1]));
        return n >= 1 && n <= 53;
      }),
    expect: 'weekday codes such as MO,FR or -1FR',
  },
  BYMONTHDAY: { check: INT_LIST(1, 31, true), expect: 'days 1..31 or -31..-1' },
  BYMONTH: { check: INT_LIST(1, 12, false), expect: 'months 1..12' },
  BYYEARDAY: { check: INT_LIST(1, 366, true), expect: 'days 1..366 or -366..-1' },
  BYWEEKNO: { check: INT_LIST(1, 53, true), expect: 'weeks 1..53 or -53..-1' },
  BYSETPOS: { check: INT_LIST(1, 366, true), expect: 'positions 1..366 or -366..-1' },
  BYHOUR: { check: INT_LIST(0, 23, false), expect: 'hours 0..23' },
  BYMINUTE: { check: INT_LIST(0, 59, false), expect: 'minutes 0..59' },
  BYSECOND: { check: INT_LIST(0, 59, false), expect: 'seconds 0..59' },
};

function isValidUntil(value: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value);
  if (!m) return false;
  const dt = DateTime.fromObject(
    {
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
    },
    { zone: 'UTC' },
  );
  return dt.isValid;
}

/** Canonical text of a rule: no `RRULE:` prefix, upper case, no empty parts. */
export function normaliseRule(raw: string): string {
  let body = raw.trim();
  if (/^RRULE:/i.test(body)) body = body.slice('RRULE:'.length);
  return body
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(';')
    .toUpperCase();
}

export type RuleCheck = { ok: true; rule: string } | { ok: false; message: string };

/**
 * Validates an RRULE body and returns its canonical text, or a message a person
 * can act on. Accepts an optional leading `RRULE:`.
 */
export function checkRule(raw: string): RuleCheck {
  if (raw.length > LIMITS.ruleMax) return { ok: false, message: `Rule must be at most ${LIMITS.ruleMax} characters` };
  const rule = normaliseRule(raw);
  if (rule === '') return { ok: false, message: 'Rule is empty; expected e.g. FREQ=WEEKLY;BYDAY=MO' };
  if (/DTSTART|TZID/.test(rule)) {
    return { ok: false, message: "DTSTART is not allowed in the rule: the task's due date and time zone are its start" };
  }
  if (/[\r\n:]/.test(rule)) {
    return { ok: false, message: 'Only a single RRULE body is allowed (no DTSTART, RDATE or EXDATE lines)' };
  }
  const seen = new Set<string>();
  for (const part of rule.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, message: `Rule part "${part}" is not KEY=VALUE` };
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    const spec = PART_CHECKS[key];
    if (!spec) return { ok: false, message: `Unknown rule part ${key}` };
    if (seen.has(key)) return { ok: false, message: `Rule part ${key} appears more than once` };
    seen.add(key);
    if (!spec.check(value)) return { ok: false, message: `${key}=${value} is invalid: expected ${spec.expect}` };
  }
  const freq = /(?:^|;)FREQ=([A-Z]+)/.exec(rule)?.[1];
  if (freq === undefined) return { ok: false, message: 'Rule needs a FREQ, e.g. FREQ=DAILY' };
  if (!(SUPPORTED_FREQUENCIES as readonly string[]).includes(freq)) {
    return ['HOURLY', 'MINUTELY', 'SECONDLY'].includes(freq)
      ? { ok: false, message: `FREQ=${freq} is not supported: tasks recur at most daily` }
      : { ok: false, message: `FREQ=${freq} is invalid: expected ${PART_CHECKS.FREQ?.expect}` };
  }
  if (seen.has('COUNT') && seen.has('UNTIL')) return { ok: false, message: 'Use COUNT or UNTIL, not both' };
  try {
    RRule.parseString(rule);
  } catch (error) {
    return { ok: false, message: `Rule could not be parsed: ${(error as Error).message}` };
  }
  const impossible = impossibility(rule);
  if (impossible !== null) return { ok: false, message: impossible };
  return { ok: true, rule };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Rejects the shapes that can never produce a date. This is decided from the rule's
 * structure rather than by iterating: rrule only stops searching when it finds a
 * date, so an empty rule would run until the year 9999.
 */
function impossibility(rule: string): string | null {
  const part = (key: string) => new RegExp(`(?:^|;)${key}=([^;]+)`).exec(rule)?.[1];
  const freq = part('FREQ');
  const months = part('BYMONTH')?.split(',').map(Number);
  const monthDays = part('BYMONTHDAY')?.split(',').map(Number);
  const positions = part('BYSETPOS')?.split(',').map(Number);
  const byday = part('BYDAY')?.split(',') ?? [];
  if (months && monthDays && monthDays.every((d) => months.every((m) => Math.abs(d) > (DAYS_IN_MONTH[m - 1] ?? 31)))) {
    return 'Rule never produces a date (e.g. February 30)';
  }
  if (monthDays && freq === 'WEEKLY') return 'BYMONTHDAY cannot be combined with FREQ=WEEKLY';
  if (part('BYWEEKNO') && freq !== 'YEARLY') return 'BYWEEKNO needs FREQ=YEARLY';
  if (part('BYYEARDAY') && freq !== 'YEARLY') return 'BYYEARDAY needs FREQ=YEARLY';
  const numbered = byday.filter((d) => /\d/.test(d));
  if (numbered.length && freq !== 'MONTHLY' && freq !== 'YEARLY') return 'Numbered weekdays (e.g. -1FR) need FREQ=MONTHLY or YEARLY';
  if (freq === 'MONTHLY' || (freq === 'YEARLY' && months)) {
    if (numbered.some((d) => Math.abs(parseInt(d, 10)) > 5)) return 'A month has at most 5 of each weekday';
  }
  const setSize = freq === 'DAILY' ? 24 * 60 : freq === 'WEEKLY' ? 7 * 24 * 60 : freq === 'MONTHLY' ? 31 * 24 * 60 : 366 * 24 * 60;
  if (positions && positions.every((p) => Math.abs(p) > setSize)) return 'BYSETPOS is larger than the set it selects from';
  return null;
}

function parseRuleOrThrow(raw: string): { options: Partial<RRuleOptions>; untilText: string | null } {
  const checked = checkRule(raw);
  if (!checked.ok) throw new RangeError(`Invalid recurrence rule: ${checked.message}`);
  const untilText = /(?:^|;)UNTIL=([0-9TZ]+)/.exec(checked.rule)?.[1] ?? null;
  return { options: RRule.parseString(checked.rule), untilText };
}

/** The last instant a due date can have (the end of year 9999, UTC). */
const LAST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// ─── Wall clock ↔ instant ────────────────────────────────────────────────────

/** A "floating" date: UTC fields hold the wall-clock time in some zone. */
function toFloating(dt: DateTime): Date {
  return new Date(Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second));
}

function offsetMinutesAt(epochMs: number, zone: string): number {
  return DateTime.fromMillis(epochMs, { zone }).offset;
}

/**
 * The instant a wall-clock time denotes in `zone`, following RFC 5545 §3.3.5:
 * a time that occurs twice (fall-back) means the first one; a time that does not
 * exist (spring-forward gap) is read with the offset before the gap, so 02:30 on
 * that day becomes 03:30. (Luxon alone picks the second of two repeated times.)
 */
export function wallClockToInstant(floating: Date, zone: string): Date {
  const localMs = floating.getTime();
  const day = 24 * 60 * 60 * 1000;
  const before = offsetMinutesAt(localMs - day, zone);
  const after = offsetMinutesAt(localMs + day, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => localMs - offset * 60_000)
    .filter((ms) => offsetMinutesAt(ms, zone) * 60_000 === localMs - ms);
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  return new Date(localMs - before * 60_000);
}

/** The wall-clock reading of an instant in `zone`, as a floating date. */
export function instantToWallClock(instant: Date, zone: string): Date {
  return toFloating(DateTime.fromJSDate(instant, { zone }));
}

// ─── Occurrences ─────────────────────────────────────────────────────────────

export interface OccurrenceInput {
  /** Current due instant (UTC ISO). */
  due_at: string;
  time_zone: string;
  recurrence: Recurrence;
  /** 1-based index of the current occurrence. */
  occurrence: number;
}

export interface Occurrence {
  due_at: string;
  occurrence: number;
}

/** Builds the rrule with a floating DTSTART; COUNT is left out because it is checked against `occurrence`. */
function ruleFrom(raw: string, dtstart: Date, zone: string): RRuleInstance {
  const { options, untilText } = parseRuleOrThrow(raw);
  let until: Date | null = null;
  if (untilText !== null) {
    if (untilText.endsWith('Z')) {
      // An absolute UNTIL becomes the wall clock it denotes in the task's zone.
      until = instantToWallClock(options.until as Date, zone);
    } else if (untilText.length === 8) {
      // A date-only UNTIL includes that whole day.
      until = new Date((options.until as Date).getTime() + 24 * 60 * 60 * 1000 - 1000);
    } else {
      until = options.until ?? null;
    }
  }
  return new RRule({ ...options, dtstart, tzid: null, count: null, until });
}

/** Whether the rule's UNTIL ends the series before its first occurrence, the due date (in `zone`). */
export function untilBeforeStart(rule: string, dueAt: string, zone: string): boolean {
  if (!/(?:^|;)UNTIL=/.test(rule)) return false;
  const due = DateTime.fromISO(dueAt, { zone });
  if (!due.isValid || !DateTime.local({ zone }).isValid) return false;
  const start = toFloating(due);
  const until = (ruleFrom(rule, start, zone).options.until as Date | null) ?? null;
  return until !== null && until.getTime() < start.getTime();
}

function countOf(raw: string): number | null {
  return parseRuleOrThrow(raw).options.count ?? null;
}

function parseDue(dueAt: string, zone: string): DateTime {
  if (!DateTime.local({ zone }).isValid) throw new RangeError(`Invalid time zone: ${zone}`);
  const due = DateTime.fromISO(dueAt, { zone });
  if (!due.isValid) throw new RangeError(`Invalid due_at: ${dueAt}`);
  return due;
}

/**
 * The occurrence that follows the current one, or null when the series has ended
 * (COUNT reached or UNTIL passed).
 *
 * - mode `due`: the first date of the rule strictly after the current due.
 * - mode `completion`: the rule restarted on the completion date (in the task's
 *   zone) at the due's time of day; the first date strictly after that start.
 *   "Every 3 days" completed on the 10th → the 13th.
 */
export function nextOccurrence(input: OccurrenceInput, completedAt: Date): Occurrence | null {
  const zone = input.time_zone;
  const count = countOf(input.recurrence.rule);
  if (count !== null && input.occurrence >= count) return null;
  const due = parseDue(input.due_at, zone);
  let anchor = toFloating(due);
  if (input.recurrence.mode === 'completion') {
    const done = DateTime.fromJSDate(completedAt, { zone });
    anchor = new Date(Date.UTC(done.year, done.month - 1, done.day, due.hour, due.minute, due.second));
  }
  const next = ruleFrom(input.recurrence.rule, anchor, zone).after(anchor, false);
  if (next === null) return null;
  const instant = wallClockToInstant(next, zone);
  // The series ends where stored dates end (9999-12-31): no occurrence the database cannot hold.
  if (!(instant.getTime() <= LAST_INSTANT_MS)) return null;
  return { due_at: instant.toISOString(), occurrence: input.occurrence + 1 };
}

/**
 * A preview of the series: the current occurrence followed by the next ones, up to
 * `n` in all. Completion-mode series are previewed as if each occurrence were
 * completed on time.
 */
export function upcomingOccurrences(input: OccurrenceInput, n: number): Occurrence[] {
  const out: Occurrence[] = [];
  let current: Occurrence | null = {
    due_at: parseDue(input.due_at, input.time_zone).toUTC().toJSDate().toISOString(),
    occurrence: input.occurrence,
  };
  while (current !== null && out.length < n) {
    out.push(current);
    current = nextOccurrence({ ...input, ...current }, new Date(current.due_at));
  }
  return out;
}

/**
 * The first date of `rule` at or after the floating `start` (inclusive), as an
 * instant in `zone`. Used to place a new series (e.g. from quick-add).
 */
export function firstOccurrenceFrom(rule: string, start: Date, zone: string): Date | null {
  const first = ruleFrom(rule, start, zone).after(start, true);
  return first === null ? null : wallClockToInstant(first, zone);
}

// ─── Human summary ───────────────────────────────────────────────────────────

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const MONTH_SHORT = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const POSITION_WORDS: Record<number, string> = {
  1: 'first',
  2: 'second',
  3: 'third',
  4: 'fourth',
  5: 'fifth',
  [-1]: 'last',
  [-2]: 'second-to-last',
};

function ordinal(n: number): string {
  const mod100 = n % 100;
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function listJoin(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function asArray<T>(value: T | T[] | null | undefined): T[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function every(interval: number, unit: string): string {
  return interval === 1 ? `Every ${unit}` : `Every ${interval} ${unit}s`;
}

function monthDayText(day: number): string {
  if (day === -1) return 'the last day';
  if (day < 0) return `the ${ordinal(-day)}-to-last day`;
  return `the ${ordinal(day)}`;
}

function positionalWeekday(wd: RRuleWeekday): string | null {
  const name = WEEKDAY_NAMES[wd.weekday];
  if (wd.n === undefined || wd.n === 0) return null;
  const word = POSITION_WORDS[wd.n] ?? (wd.n > 0 ? ordinal(wd.n) : `${ordinal(-wd.n)}-to-last`);
  return `the ${word} ${name}`;
}

const WEEKDAYS_MON_FRI = '0,1,2,3,4';

/** Summary of the core pattern, or null when it is outside the shapes written by hand. */
function describePattern(o: Partial<RRuleOptions>): string | null {
  const interval = o.interval ?? 1;
  const byday = asArray(o.byweekday as RRuleWeekday | RRuleWeekday[] | null).map((d) =>
    typeof d === 'number' ? new rrulePkg.Weekday(d) : d,
  );
  const bymonthday = asArray(o.bymonthday as number | number[] | null);
  const bymonth = asArray(o.bymonth as number | number[] | null);
  const bysetpos = asArray(o.bysetpos as number | number[] | null);
  const unhandled = [o.byyearday, o.byweekno, o.bysecond, o.byeaster].some((v) => asArray(v as number | number[] | null).length > 0);
  if (unhandled) return null;
  const plainDays = byday.every((d) => d.n === undefined || d.n === 0);
  const dayIndexes = [...new Set(byday.map((d) => d.weekday))].sort((a, b) => a - b);
  const dayNames = dayIndexes.map((i) => WEEKDAY_NAMES[i] as string);

  switch (o.freq) {
    case Frequency.DAILY: {
      if (bymonthday.length || bymonth.length || bysetpos.length || byday.length) return null;
      return every(interval, 'day');
    }
    case Frequency.WEEKLY: {
      if (bymonthday.length || bymonth.length || bysetpos.length || !plainDays) return null;
      if (interval === 1 && dayIndexes.join(',') === WEEKDAYS_MON_FRI) return 'Every weekday';
      if (interval === 1 && dayIndexes.join(',') === '5,6') return 'Every weekend';
      const base = every(interval, 'week');
      return dayNames.length ? `${base} on ${listJoin(dayNames)}` : base;
    }
    case Frequency.MONTHLY: {
      if (bymonth.length) return null;
      const base = every(interval, 'month');
      if (bysetpos.length) {
        if (bysetpos.length !== 1 || bymonthday.length || !plainDays) return null;
        const pos = bysetpos[0] as number;
        const word = POSITION_WORDS[pos] ?? ordinal(pos);
        if (dayIndexes.join(',') === WEEKDAYS_MON_FRI) return `${base} on the ${word} weekday`;
        if (dayNames.length === 1) return `${base} on the ${word} ${dayNames[0]}`;
        return null;
      }
      if (bymonthday.length && byday.length) return null;
      if (bymonthday.length) return `${base} on ${listJoin(bymonthday.map(monthDayText))}`;
      if (byday.length) {
        if (plainDays) return null;
        const parts = byday.map(positionalWeekday);
        if (parts.some((p) => p === null)) return null;
        return `${base} on ${listJoin(parts as string[])}`;
      }
      return base;
    }
    case Frequency.YEARLY: {
      if (bysetpos.length) return null;
      const base = every(interval, 'year');
      if (bymonth.length === 1 && bymonthday.length === 1 && !byday.length) {
        const day = bymonthday[0] as number;
        const month = MONTH_NAMES[(bymonth[0] as number) - 1] as string;
        return day > 0 ? `${base} on ${month} ${day}` : `${base} on ${monthDayText(day)} of ${month}`;
      }
      if (bymonth.length === 1 && byday.length === 1 && !bymonthday.length && !plainDays) {
        const month = MONTH_NAMES[(bymonth[0] as number) - 1] as string;
        return `${base} on ${positionalWeekday(byday[0] as RRuleWeekday)} of ${month}`;
      }
      if (bymonth.length && !bymonthday.length && !byday.length) {
        return `${base} in ${listJoin(bymonth.map((m) => MONTH_NAMES[m - 1] as string))}`;
      }
      if (bymonth.length || bymonthday.length || byday.length) return null;
      return base;
    }
    default:
      return null;
  }
}

function describeTime(o: Partial<RRuleOptions>): string {
  const hours = asArray(o.byhour as number | number[] | null);
  const minutes = asArray(o.byminute as number | number[] | null);
  if (!hours.length) return '';
  const mins = minutes.length ? minutes : [0];
  const times = hours.flatMap((h) => mins.map((m) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`));
  return ` at ${listJoin(times)}`;
}

/**
 * A one-line English summary, e.g. "Every 2 weeks on Monday", "Every month on the
 * last Friday, 5 times", "Every 3 days (from completion)". Common shapes are
 * written here; anything else falls back to rrule's own `toText`.
 */
export function describeRecurrence(rec: Recurrence): string {
  const { options, untilText } = parseRuleOrThrow(rec.rule);
  let text = describePattern(options);
  if (text === null) {
    const core = new RRule({ ...options, count: null, until: null, byhour: null, byminute: null });
    const raw = core.toText();
    text = raw.charAt(0).toUpperCase() + raw.slice(1);
  }
  text += describeTime(options);
  if (options.count) text += options.count === 1 ? ', once' : `, ${options.count} times`;
  if (untilText !== null) {
    const y = Number(untilText.slice(0, 4));
    const m = Number(untilText.slice(4, 6));
    const d = Number(untilText.slice(6, 8));
    text += `, until ${d} ${MONTH_SHORT[m - 1]} ${y}`;
  }
  if (rec.mode === 'completion') text += ' (from completion)';
  return text;
}
