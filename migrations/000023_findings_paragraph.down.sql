ALTER TABLE assessments DROP COLUMN findings_paragraph;
