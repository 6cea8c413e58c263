"""cairn: a self-hosted data registry for machine-learning annotation data."""

__version__ = "0.1.0"
