"""The books through the API, one module per part."""
