"""Import and export of institutions and staff as CSV or XLSX (tables, checking, writing)."""
