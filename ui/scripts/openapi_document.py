"""Print cairn's OpenAPI document (JSON), built from the app object itself: the web UI's types come from it.

Run by ``make`` (``ui/src/api/schema.d.ts`` is generated from its output by openapi-typescript); it needs no
server and touches no real data (the app is made over a throwaway data directory).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from cairn.api.app import create_app
from cairn.settings import Settings


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)))
        json.dump(app.openapi(), sys.stdout, indent=1, sort_keys=True)
        app.state.registry.close()


if __name__ == "__main__":
    main()
