package store

// PlanStatusesOf exposes planStatusesOf to the tests of package store_test.
var PlanStatusesOf = (*Store).planStatusesOf
