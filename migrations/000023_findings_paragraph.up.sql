-- An inspector may write the findings as one paragraph instead of one
-- narrative per criterion; when set, the letter's findings paragraph is it.
ALTER TABLE assessments ADD COLUMN findings_paragraph text NOT NULL DEFAULT '';
