"""Family: event-driven messaging and integration."""
