-- Assessments of plans (findings per criterion, an overall category), the
-- four-eyes workflow that approves them, the letters composed from them,
-- the wording of those letters per recommendation, and the publication of
-- the national overview of a recommendation.

-- The wording of a recommendation's letters, with named placeholders such
-- as {{force_name}}, and the contact and signatory new letters start with.
CREATE TABLE letter_templates (
    finding_id        bigint PRIMARY KEY REFERENCES findings (id),
    address           text NOT NULL,
    copied_to         text NOT NULL,
    salutation        text NOT NULL,
    subject           text NOT NULL,
    body              text NOT NULL,
    closing           text NOT NULL,
    signature         text NOT NULL,
    contact_name      text NOT NULL DEFAULT '',
    contact_email     text NOT NULL DEFAULT '',
    contact_phone     text NOT NULL DEFAULT '',
    signatory_name    text NOT NULL DEFAULT '',
    signatory_honours text NOT NULL DEFAULT '',
    signatory_titles  text NOT NULL DEFAULT '',
    -- version guards against lost updates, as on assessments.
    version           integer NOT NULL DEFAULT 1,
    updated_by        bigint REFERENCES users (id),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- One assessment per case. version is bumped by every change and checked
-- in the UPDATE, so of two people saving the same version only the first
-- succeeds.
CREATE TABLE assessments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id        bigint NOT NULL UNIQUE REFERENCES cases (id),
    period         text NOT NULL CHECK (period <> ''),
    reviewed_up_to date NOT NULL,
    category_id    bigint NOT NULL REFERENCES categories (id),
    summary        text NOT NULL DEFAULT '',
    state          text NOT NULL DEFAULT 'draft'
                   CHECK (state IN ('draft', 'submitted', 'returned', 'approved', 'published')),
    version        integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_by     bigint NOT NULL REFERENCES users (id),
    updated_by     bigint NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz,
    CHECK ((state = 'published') = (published_at IS NOT NULL))
);
CREATE INDEX assessments_state_idx ON assessments (state, updated_at);

CREATE TABLE assessment_findings (
    assessment_id bigint NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    criterion_id  bigint NOT NULL REFERENCES criteria (id),
    finding       text NOT NULL CHECK (finding IN ('met', 'partially_met', 'not_met', 'no_evidence')),
    narrative     text NOT NULL DEFAULT '',
    PRIMARY KEY (assessment_id, criterion_id)
);

-- Which versions of the force's plan (and progress updates) were reviewed:
-- submissions of the assessment's own case (checked by the store).
CREATE TABLE assessment_submissions (
    assessment_id bigint NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    submission_id bigint NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (assessment_id, submission_id)
);
CREATE INDEX assessment_submissions_submission_idx ON assessment_submissions (submission_id);

-- Every step of the workflow: who, when, what and why. An author is anyone
-- with a 'create' or 'edit' event on the assessment; such a user may never
-- approve or return it.
CREATE TABLE assessment_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assessment_id bigint NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    action        text NOT NULL CHECK (action IN ('create', 'edit', 'submit', 'return', 'approve', 'publish')),
    from_state    text,
    to_state      text NOT NULL,
    version       integer NOT NULL, -- the assessment's version after the step
    actor_id      bigint NOT NULL REFERENCES users (id),
    comment       text NOT NULL DEFAULT '',
    occurred_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessment_events_assessment_idx ON assessment_events (assessment_id, id);
CREATE INDEX assessment_events_author_idx ON assessment_events (assessment_id, actor_id) WHERE action IN ('create', 'edit');

-- The letter of an assessment. Until publication it is composed afresh
-- from the records and the template; publication stores what was
-- published (its text, and its blocks as JSON for the page and the PDF),
-- which never changes afterwards.
CREATE TABLE letters (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assessment_id     bigint NOT NULL UNIQUE REFERENCES assessments (id) ON DELETE CASCADE,
    letter_date       date,
    contact_name      text NOT NULL DEFAULT '',
    contact_email     text NOT NULL DEFAULT '',
    contact_phone     text NOT NULL DEFAULT '',
    signatory_name    text NOT NULL DEFAULT '',
    signatory_honours text NOT NULL DEFAULT '',
    signatory_titles  text NOT NULL DEFAULT '',
    composed_text     text,
    composed          jsonb,
    published_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((published_at IS NULL) = (composed_text IS NULL)),
    CHECK ((published_at IS NULL) = (composed IS NULL)),
    CHECK (published_at IS NULL OR letter_date IS NOT NULL)
);
CREATE INDEX letters_published_idx ON letters (published_at) WHERE published_at IS NOT NULL;

-- A recommendation's national overview is public once a manager publishes
-- it; it then shows every published assessment of the recommendation.
CREATE TABLE overview_publications (
    finding_id   bigint PRIMARY KEY REFERENCES findings (id),
    published_at timestamptz NOT NULL,
    published_by bigint NOT NULL REFERENCES users (id)
);
