-- The relay's lease asks whether a user has an earlier unsent row outside the batch
-- (another relay holds it), and the replay log caps below a user's oldest unsent row:
-- both look up a user's unsent rows, which this index keeps small.
CREATE INDEX "outbox_unsent_user_idx" ON "outbox" USING btree ("user_id","seq") WHERE "outbox"."sent_at" is null;