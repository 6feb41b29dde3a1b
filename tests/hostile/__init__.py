"""Hostile inputs: what a careless or malicious contributor, or a shared CI machine, can do to obsc."""
