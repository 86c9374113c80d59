"""Benchmarks: figures, not tests. ``make bench`` runs every suite listed in __main__."""
