"""Route files for courier companies and drivers: one module per format, all built from the same
views of a plan (`views.py`)."""
