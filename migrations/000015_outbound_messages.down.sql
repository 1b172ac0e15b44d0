ALTER TABLE users DROP COLUMN notify_digest, DROP COLUMN notify_reminders;
DROP TABLE outbound_messages;
