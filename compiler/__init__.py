"""obsc: compile per-service observability specs into monitoring configuration."""

__version__ = "0.1.0"
