"""Hostile-input suite: what a contributor to a shared spec repository could feed obsc (issue 10)."""
