"""What every department shares: the domain base (no nameko) and the thin nameko layer."""
