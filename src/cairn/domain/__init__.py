"""Pure rules and values: no I/O, no imports of adapters or services."""
