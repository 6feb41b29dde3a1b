"""Reading and validating spec documents: the only code that touches spec files."""
