"""Request and response schemas, one module per resource: ``XCreate`` / ``XUpdate`` (bodies), ``XPublic`` (one
record) and ``XsPublic`` (a list or page of them). Bodies refuse unknown fields, so a typo is a located 422."""
