-- Reports, their findings (causes of concern, recommendations, areas for
-- improvement), the criteria and outcome categories of a recommendation,
-- the request for plans, and cases: one recommendation at one force.

CREATE TABLE reports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text NOT NULL CHECK (title <> ''),
    kind         text NOT NULL CHECK (kind IN ('national', 'force')),
    force_id     bigint REFERENCES forces (id),
    published_on date NOT NULL,
    url          text NOT NULL DEFAULT '',
    summary      text NOT NULL DEFAULT '',
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'force') = (force_id IS NOT NULL)),
    -- The same publication entered twice is a mistake (and lets the demo
    -- seed find its report again).
    UNIQUE (title, published_on)
);

CREATE TABLE findings (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id           bigint NOT NULL REFERENCES reports (id),
    kind                text NOT NULL CHECK (kind IN ('cause_of_concern', 'recommendation', 'afi')),
    -- A recommendation may answer a cause of concern of the same report
    -- (checked by the store when it is set).
    parent_id           bigint REFERENCES findings (id),
    reference           text NOT NULL DEFAULT '',
    body                text NOT NULL CHECK (body <> ''),
    -- The deadline as written ("within six months") and its date: computed
    -- from the report's publication date unless an inspector entered it
    -- (deadline_overridden), which they must when the words give no date.
    deadline_text       text NOT NULL DEFAULT '',
    deadline_on         date,
    deadline_overridden boolean NOT NULL DEFAULT false,
    -- A later change of words (e.g. "abuse of position for a sexual
    -- purpose"); the finding keeps its original text.
    terminology_note    text NOT NULL DEFAULT '',
    scope               text NOT NULL DEFAULT 'all_police' CHECK (scope IN ('all_police', 'listed')),
    created_by          bigint REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR kind = 'recommendation')
);
CREATE INDEX findings_report_idx ON findings (report_id, id);
CREATE INDEX findings_parent_idx ON findings (parent_id) WHERE parent_id IS NOT NULL;
-- A reference names one finding of its report ("Recommendation 1").
CREATE UNIQUE INDEX findings_reference_key ON findings (report_id, lower(reference)) WHERE reference <> '';

-- The forces a recommendation applies to when its scope is 'listed'.
CREATE TABLE finding_forces (
    finding_id bigint NOT NULL REFERENCES findings (id),
    force_id   bigint NOT NULL REFERENCES forces (id),
    PRIMARY KEY (finding_id, force_id)
);

-- What a plan is assessed against, in order. Fixed once cases exist.
CREATE TABLE criteria (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id  bigint NOT NULL REFERENCES findings (id),
    position    integer NOT NULL CHECK (position > 0),
    title       text NOT NULL CHECK (title <> ''),
    description text NOT NULL DEFAULT '',
    UNIQUE (finding_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

-- The overall outcome categories of an assessment, in order. Fixed once
-- cases exist.
CREATE TABLE categories (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id bigint NOT NULL REFERENCES findings (id),
    position   integer NOT NULL CHECK (position > 0),
    key        text NOT NULL CHECK (key ~ '^[a-z0-9_]+$'),
    label      text NOT NULL CHECK (label <> ''),
    UNIQUE (finding_id, key),
    UNIQUE (finding_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

-- The letter asking every force in scope for its plan. Its dates are
-- copied onto each case (request_sent_on, plan_due_on) in the same
-- transaction; a case's own due date may then be changed.
CREATE TABLE requests (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id bigint NOT NULL UNIQUE REFERENCES findings (id),
    sent_on    date NOT NULL,
    due_on     date NOT NULL,
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (due_on >= sent_on)
);

-- A case is the unit that is tracked. Its lifecycle is derived from these
-- dates (kept current in the same transaction as the record they summarise),
-- never from a free-text status.
CREATE TABLE cases (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id              bigint NOT NULL REFERENCES findings (id),
    force_id                bigint NOT NULL REFERENCES forces (id),
    request_sent_on         date,
    plan_due_on             date,
    first_submitted_at      timestamptz,
    last_submitted_at       timestamptz,
    assessment_started_on   date,
    assessment_published_on date,
    follow_up_planned_on    date,
    follow_up_done_on       date,
    closed_on               date,
    closed_reason           text CHECK (closed_reason IN ('implemented', 'superseded', 'not_accepted')),
    closed_note             text NOT NULL DEFAULT '',
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (finding_id, force_id),
    CHECK ((closed_on IS NULL) = (closed_reason IS NULL))
);
CREATE INDEX cases_force_idx ON cases (force_id, id);
CREATE INDEX cases_plan_due_idx ON cases (plan_due_on) WHERE closed_on IS NULL;

-- Every change of a date that drives the lifecycle: who, when and why.
-- changed_by is NULL for the system (the demo seed).
CREATE TABLE date_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    bigint REFERENCES cases (id),
    finding_id bigint REFERENCES findings (id),
    field      text NOT NULL,
    old_value  date,
    new_value  date,
    reason     text NOT NULL CHECK (reason <> ''),
    changed_by bigint REFERENCES users (id),
    changed_at timestamptz NOT NULL DEFAULT now(),
    CHECK (case_id IS NOT NULL OR finding_id IS NOT NULL)
);
CREATE INDEX date_changes_case_idx ON date_changes (case_id, changed_at) WHERE case_id IS NOT NULL;
CREATE INDEX date_changes_finding_idx ON date_changes (finding_id, changed_at) WHERE finding_id IS NOT NULL;
