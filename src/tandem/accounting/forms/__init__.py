"""Forms of the books: shape only; the services validate and write."""
