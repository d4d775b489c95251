-- Each task's API JSON, rendered by PostgreSQL once per write instead of once per read.
-- task_api_json(t) must produce exactly what the Task type describes, in its key order
-- (test/api/task-json.test.ts compares it with JSON.stringify of the same task):
-- timestamps as Date#toISOString does (UTC, milliseconds truncated, `Z`; to_char does not
-- depend on DateStyle or TimeZone), priority by name (the column stores 0 none … 3 high),
-- recurrence {rule, mode, summary} or null. Concatenated by hand rather than with
-- json_build_object, which costs about twice as much per row; every nullable piece is
-- coalesced, since `||` with NULL is NULL. A change to the rendering is a new migration
-- that replaces this function and re-renders every row.
ALTER TABLE "tasks" ADD COLUMN "api_json" text;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION task_api_json(t tasks) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT '{"id":' || t.id
    || ',"user_id":' || to_json(t.user_id)::text
    || ',"title":' || to_json(t.title)::text
    || ',"description":' || to_json(t.description)::text
    || ',"completed":' || CASE WHEN t.completed THEN 'true' ELSE 'false' END
    || ',"completed_at":' || coalesce('"' || to_char(t.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"priority":"' || coalesce((ARRAY['none','low','medium','high'])[t.priority + 1], 'none') || '"'
    || ',"tags":' || array_to_json(t.tags)::text
    || ',"due_at":' || coalesce('"' || to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"time_zone":' || to_json(t.time_zone)::text
    || ',"reminders":' || t.reminders::text
    || ',"recurrence":' || CASE WHEN t.recurrence_rule IS NULL THEN 'null' ELSE
         '{"rule":' || to_json(t.recurrence_rule)::text
         || ',"mode":' || CASE WHEN t.recurrence_mode = 'completion' THEN '"completion"' ELSE '"due"' END
         || ',"summary":' || coalesce(to_json(t.recurrence_summary)::text, 'null') || '}' END
    || ',"series_id":' || coalesce('"' || t.series_id::text || '"', 'null')
    || ',"occurrence":' || t.occurrence::text
    || ',"created_at":"' || to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
    || ',"updated_at":"' || to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
    || ',"version":' || t.version::text
    || '}'
$$;
--> statement-breakpoint
-- BEFORE the row is stored: the column defaults (id, timestamps) are already filled in,
-- and RETURNING api_json gives the stored text.
CREATE OR REPLACE FUNCTION tasks_render_api_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.api_json := task_api_json(NEW);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER tasks_render_api_json BEFORE INSERT OR UPDATE ON "tasks"
  FOR EACH ROW EXECUTE FUNCTION tasks_render_api_json();
--> statement-breakpoint
UPDATE "tasks" SET "api_json" = task_api_json("tasks");
--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "api_json" SET NOT NULL;
