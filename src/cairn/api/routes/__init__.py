"""Routes, one module per resource. Each route is a thin adapter: parse, call one service function, shape."""
