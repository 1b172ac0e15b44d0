package seed

import (
	"errors"

	"inspectrack/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
