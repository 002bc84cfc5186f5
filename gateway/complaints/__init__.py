"""Complaints and what happens to them: records, calls, updates, status, SLA, monev."""
