-- What each outcome category of a recommendation means, and the dashboard
-- rule that reads it: a published assessment whose category is "met" stops
-- the recommendation-overdue clock for its case (domain.RecommendationOverdue);
-- partly met, not met and not assessable keep it running.

ALTER TABLE categories ADD COLUMN effect text NOT NULL DEFAULT 'not_met'
    CHECK (effect IN ('met', 'partly_met', 'not_met', 'not_assessable'));

-- The default categories (domain.DefaultCategories) get their usual
-- effects; an inspector changes them on the recommendation's page.
UPDATE categories SET effect = CASE key
    WHEN 'all_in_place' THEN 'met'
    WHEN 'plan_started' THEN 'partly_met'
    WHEN 'insufficient_information' THEN 'not_assessable'
    ELSE 'not_met' END;

-- dashboard_case_items now also takes met_on, the day an assessment whose
-- category is met was published (NULL when none is): the recommendation
-- rule's span ends there, as at closure.
DROP FUNCTION dashboard_refresh(bigint[]);
DROP FUNCTION dashboard_case_items(cases, date, integer);

CREATE FUNCTION dashboard_case_items(c cases, deadline date, assess_days integer, met_on date)
RETURNS TABLE (kind text, subject text, since date, active daterange)
LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT CASE WHEN c.request_sent_on IS NOT NULL THEN c.plan_due_on END AS due,
               (c.first_submitted_at AT TIME ZONE 'Europe/London')::date AS sub
    )
    SELECT v.kind, v.subject, v.since, v.active
    FROM f, LATERAL (VALUES
        ('plan_overdue', 'plan', f.due,
            dashboard_span(greatest(c.request_sent_on, f.due + 1), least(f.sub, c.closed_on))),
        ('assessment_overdue', 'assessment', f.sub + assess_days,
            dashboard_span(f.sub + assess_days + 1, least(c.assessment_published_on, c.closed_on))),
        ('recommendation_overdue', 'recommendation', deadline,
            dashboard_span(deadline + 1, least(c.closed_on, met_on))),
        ('follow_up_overdue', 'follow_up', c.follow_up_planned_on,
            dashboard_span(c.follow_up_planned_on + 1, least(c.follow_up_done_on, c.closed_on))),
        ('due_soon', 'plan', f.due,
            dashboard_span(greatest(c.request_sent_on, f.due - 14), least(f.due + 1, f.sub, c.closed_on))),
        ('due_soon', 'follow_up', c.follow_up_planned_on,
            dashboard_span(c.follow_up_planned_on - 14,
                least(c.follow_up_planned_on + 1, c.follow_up_done_on, c.closed_on)))
    ) AS v (kind, subject, since, active)
    WHERE v.since IS NOT NULL AND v.active IS NOT NULL
$$;

-- dashboard_refresh rewrites the items of the given cases (all of them when
-- p_cases is NULL) from their current dates and published outcome.
CREATE FUNCTION dashboard_refresh(p_cases bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dashboard_items WHERE p_cases IS NULL OR case_id = ANY (p_cases);
    INSERT INTO dashboard_items (case_id, kind, subject, force_id, finding_id, report_id, since, active)
    SELECT c.id, i.kind, i.subject, c.force_id, c.finding_id, f.report_id, i.since, i.active
    FROM cases c
    JOIN findings f ON f.id = c.finding_id
    LEFT JOIN assessments a ON a.case_id = c.id AND a.state = 'published'
    LEFT JOIN categories k ON k.id = a.category_id
    CROSS JOIN dashboard_state s
    CROSS JOIN LATERAL dashboard_case_items(c, f.deadline_on, s.assess_days,
        CASE WHEN k.effect = 'met' THEN c.assessment_published_on END) i
    WHERE p_cases IS NULL OR c.id = ANY (p_cases);
END;
$$;

-- A case's items follow its assessment's publication and category in the
-- same transaction, whichever of the case's date and the assessment's state
-- is written last.
CREATE FUNCTION dashboard_assessment_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh(ARRAY[NEW.case_id, OLD.case_id]);
    RETURN NULL;
END;
$$;

CREATE TRIGGER assessments_dashboard_update AFTER UPDATE OF state, category_id, case_id ON assessments
    FOR EACH ROW
    WHEN ((OLD.state = 'published' OR NEW.state = 'published')
          AND (OLD.state, OLD.category_id, OLD.case_id) IS DISTINCT FROM (NEW.state, NEW.category_id, NEW.case_id))
    EXECUTE FUNCTION dashboard_assessment_changed();

-- Assessments inserted already published (the bench's bulk data) refresh
-- their cases once per statement.
CREATE FUNCTION dashboard_assessments_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh(ARRAY(SELECT case_id FROM new_assessments WHERE state = 'published'));
    RETURN NULL;
END;
$$;

CREATE TRIGGER assessments_dashboard_insert AFTER INSERT ON assessments
    REFERENCING NEW TABLE AS new_assessments
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_assessments_inserted();

CREATE FUNCTION dashboard_category_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh(ARRAY(SELECT case_id FROM assessments
        WHERE category_id = NEW.id AND state = 'published'));
    RETURN NULL;
END;
$$;

CREATE TRIGGER categories_dashboard AFTER UPDATE OF effect ON categories
    FOR EACH ROW WHEN (OLD.effect IS DISTINCT FROM NEW.effect)
    EXECUTE FUNCTION dashboard_category_changed();

SELECT dashboard_refresh(NULL);
