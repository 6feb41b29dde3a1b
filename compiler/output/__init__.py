"""The bundle of generated files, and writing it (atomically) or diffing it against disk."""
