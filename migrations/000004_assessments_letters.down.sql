DROP TABLE overview_publications;
DROP TABLE letters;
DROP TABLE assessment_events;
DROP TABLE assessment_submissions;
DROP TABLE assessment_findings;
DROP TABLE assessments;
DROP TABLE letter_templates;
