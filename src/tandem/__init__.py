"""Tandem ERP."""
