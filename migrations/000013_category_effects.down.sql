DROP TRIGGER categories_dashboard ON categories;
DROP FUNCTION dashboard_category_changed();
DROP TRIGGER assessments_dashboard_insert ON assessments;
DROP FUNCTION dashboard_assessments_inserted();
DROP TRIGGER assessments_dashboard_update ON assessments;
DROP FUNCTION dashboard_assessment_changed();

DROP FUNCTION dashboard_refresh(bigint[]);
DROP FUNCTION dashboard_case_items(cases, date, integer, date);

CREATE FUNCTION dashboard_case_items(c cases, deadline date, assess_days integer)
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
            dashboard_span(deadline + 1, c.closed_on)),
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

CREATE FUNCTION dashboard_refresh(p_cases bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dashboard_items WHERE p_cases IS NULL OR case_id = ANY (p_cases);
    INSERT INTO dashboard_items (case_id, kind, subject, force_id, finding_id, report_id, since, active)
    SELECT c.id, i.kind, i.subject, c.force_id, c.finding_id, f.report_id, i.since, i.active
    FROM cases c
    JOIN findings f ON f.id = c.finding_id
    CROSS JOIN dashboard_state s
    CROSS JOIN LATERAL dashboard_case_items(c, f.deadline_on, s.assess_days) i
    WHERE p_cases IS NULL OR c.id = ANY (p_cases);
END;
$$;

SELECT dashboard_refresh(NULL);

ALTER TABLE categories DROP COLUMN effect;
