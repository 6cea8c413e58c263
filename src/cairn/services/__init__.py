"""Use cases, one module per concept; the only place a business rule lives."""
