"""The one FilterSet per model of the books, shared by the web lists and the API."""
