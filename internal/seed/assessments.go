package seed

import (
	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
)

// StoryLetterTemplate is the wording of the letters of 2 October 2017 on
// the PEEL: police legitimacy 2016 recommendation, with the recorded facts
// as placeholders. Its first two paragraphs explain the change of
// terminology in words of their own, so they are wording, not data.
var StoryLetterTemplate = letter.Template{
	Address:    "{{chief_officer}}\n{{force_name}}\nVia email",
	CopiedTo:   "Copied to: {{oversight_holder_name}}\n{{oversight_body}}",
	Salutation: "Dear {{chief_officer_title}}",
	Subject:    "HMICFRS assessment: {{term_capitalised}}",
	Body: `In {{report_published}}, we published our national *{{report_title}}* inspection report in which we referred to the problem as 'abuse of authority for sexual gain'. In the interests of consistency and in line with the terminology used in the National Police Chiefs' Council's national strategy, we now refer to this as '{{term}}'.

The report highlighted our concerns that some police counter-corruption units did not have the capability or capacity to seek intelligence on the potential {{term}}. This meant that some forces were not able to intervene early to safeguard potential victims and tackle unacceptable and potentially corrupt behaviour. This concern led to the following recommendation:

{{recommendation}}

Further to my letter dated {{request_date}} and your force's subsequent document submission, we have reviewed your force's plans to address our cause of concern. I am writing to inform you of our assessment of your force's plans, which took place during {{assessment_period}}, and included a review of all documentation submitted by {{reviewed_up_to}}.

{{findings}}

This letter will be published on the HMICFRS website, alongside a national overview report. We will be returning to your force to assess implementation of your plans during a subsequent inspection.

If you have any queries, please contact {{contact_name}} at {{contact_email}} or on {{contact_phone}}.`,
	Closing:   "Yours sincerely",
	Signature: "{{signatory}}\n{{signatory_titles}}",
}

// StoryRecommendation is the recommendation of PEEL: police legitimacy 2016
// as the letter quotes it.
const StoryRecommendation = "To address this cause of concern, we recommend that within six months, all forces should have started to implement a plan to achieve the capability and capacity required to seek intelligence on potential abuse of authority for sexual gain. These plans should include consideration of the technology and resources required to monitor IT systems actively and to build relationships with the individuals and organisations that support vulnerable people."

// leicestershireFindings are Leicestershire's findings against the four
// criteria, in criterion order. The narratives are written for the letter,
// which joins them into its findings paragraph: the last two criteria share
// one sentence, as in the letter of 2 October 2017.
var leicestershireFindings = []struct {
	finding   domain.CriterionFinding
	narrative string
}{
	{domain.CriterionNotMet, "Your plans did not reflect the national strategy agreed at the National Police Chiefs' Council in April of this year."},
	{domain.CriterionPartiallyMet, "They did include improvements to your IT systems' monitoring capability and work had commenced on this prior to our review."},
	{domain.CriterionNoEvidence, "However, no information was provided that allowed us to assess your progress in reviewing the capability and capacity of your counter-corruption unit"},
	{domain.CriterionNoEvidence, "or any work done to seek intelligence from those organisations that support vulnerable people."},
}

// LeicestershireFindings returns Leicestershire's findings as the letter
// composer takes them.
func LeicestershireFindings() []letter.Finding {
	out := make([]letter.Finding, len(leicestershireFindings))
	for i, f := range leicestershireFindings {
		out[i] = letter.Finding{Finding: f.finding, Narrative: f.narrative}
	}
	return out
}
