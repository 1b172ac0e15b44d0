package domain_test

import (
	"fmt"
	"time"

	"inspectrack/internal/domain"
)

func ExampleDeadlineDate() {
	published := domain.Date(2016, time.December, 13) // PEEL: police legitimacy 2016
	due, err := domain.DeadlineDate(published, "we recommend that within six months, all forces should ...")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(domain.FormatLong(due))
	// Output: 13 June 2017
}

func ExampleExplain() {
	sent, due := domain.Date(2017, time.May, 16), domain.Date(2017, time.May, 31)
	facts := domain.CaseFacts{RequestSentOn: &sent, PlanDueOn: &due}

	for _, asOf := range []time.Time{domain.Date(2017, time.May, 20), domain.Date(2017, time.June, 1)} {
		stage, why := domain.Explain(facts, asOf)
		fmt.Printf("%s: %s (%s)\n", domain.FormatLong(asOf), stage.Label(), why)
	}
	// Output:
	// 20 May 2017: Awaiting plan (Plan due 31 May 2017, 11 days left)
	// 1 June 2017: Plan overdue (Plan due 31 May 2017, 1 day overdue)
}

func ExampleItems() {
	sent, due := domain.Date(2017, time.May, 16), domain.Date(2017, time.May, 31)
	deadline := domain.Date(2017, time.June, 13)
	facts := domain.CaseFacts{RequestSentOn: &sent, PlanDueOn: &due}

	for _, it := range domain.Items(facts, &deadline, domain.Date(2017, time.June, 14), domain.DefaultAssessmentDays) {
		fmt.Printf("%s since %s (days overdue: %d)\n", it.Kind.Label(), domain.FormatLong(it.Since), it.Days)
	}
	// Output:
	// Plan overdue since 31 May 2017 (days overdue: 14)
	// Recommendation overdue since 13 June 2017 (days overdue: 1)
}
