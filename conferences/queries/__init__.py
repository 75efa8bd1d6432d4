"""Read-only questions about cases, protocols and tasks; nothing here writes."""
