"""What the county's fleet costs over a year, and how that compares with its budget."""
