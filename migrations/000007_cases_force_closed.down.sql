CREATE INDEX cases_force_idx ON cases (force_id, id);
DROP INDEX cases_force_closed_idx;
