"""The built web UI's JavaScript stays small enough to load fast on a slow link: at most 500 KB gzipped (issue 17).

``python -m bench ui`` reports the same figure beside the browser timings.
"""

from __future__ import annotations

import gzip

from tests.conftest import require
from tests.ui.conftest import UI_DIST

LIMIT_KB = 500


def test_the_built_javascript_is_at_most_500_kb_gzipped() -> None:
    require(UI_DIST.is_file(), "the web UI is not built (make ui)")
    scripts = sorted(UI_DIST.parent.glob("**/*.js"))
    assert scripts, f"no JavaScript under {UI_DIST.parent}"
    sizes = {path.name: len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1000 for path in scripts}
    total = sum(sizes.values())
    assert total <= LIMIT_KB, f"the built JavaScript is {total:.0f} KB gzipped (over {LIMIT_KB} KB): {sizes}"
