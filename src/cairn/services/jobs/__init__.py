"""The job engine (``engine``) and what a kind of job gives it (``handler``)."""
