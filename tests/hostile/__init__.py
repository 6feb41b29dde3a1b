"""Hostile inputs: what a careless or malicious contributor to a shared spec repository, or a shared CI machine,
can do to obsc (issue 10)."""
