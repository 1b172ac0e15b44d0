DROP TABLE audit_head;
DROP TABLE audit_events;
DROP FUNCTION audit_events_refuse_change();
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE forces;
