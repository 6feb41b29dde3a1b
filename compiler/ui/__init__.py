"""What the user sees on stderr: global options, text/JSON/GitHub renderings of diagnostics and summaries."""
