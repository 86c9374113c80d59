"""Fakes of the ports of sync/ports.py, checked by the same contract suites as the real adapters."""
