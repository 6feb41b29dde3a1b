"""The typed, frozen, fully-defaulted model every target reads."""
