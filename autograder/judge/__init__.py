"""The judge: turns plain-data observations of a submission into check results. It never imports student code."""
