-- Task ids are reserved in blocks of 32 (src/adapters/postgres/task-ids.ts reads this
-- increment as its block size): a create knows its id before it writes, so the task and
-- its outbox records are one statement. An insert that takes the column default still
-- gets a unique id (the first of a block).
ALTER SEQUENCE "tasks_id_seq" INCREMENT BY 32;
