"""Every entry URL gets the app's real navigation, not Streamlit's legacy page list.

Streamlit remembers, per process, whether the app "uses a pages directory" (a `pages/`
folder next to `app.py`). Until some session has run `app.py` (whose `st.navigation`
clears that flag), opening `/vram_hesaplayici` or `/bilgi_tabani` first runs the page file
directly under the legacy multipage mode: the sidebar lists the raw file names ("app",
"bilgi tabani", ...) and the tab title is the file name. Each page calls
`leave_legacy_pages_mode()` first: in that mode it clears the flag and reruns, and the
rerun goes through `app.py` and lands on the same page (page ids come from the URL path).
"""

from __future__ import annotations

import streamlit as st
from streamlit import config


def in_legacy_pages_mode() -> bool:
    """True when this run was started by Streamlit's legacy `pages/` mode, not by app.py."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    manager = ctx.pages_manager
    # The legacy mode lists the main script itself as a page; app.py's navigation never does.
    main = str(manager.main_script_path)
    listed = any(str(page.get("script_path")) == main for page in manager.get_pages().values())
    return bool(PagesManager.uses_pages_directory) or listed


def leave_legacy_pages_mode() -> None:
    """Call first on every page: reruns through app.py when the legacy mode started this run."""
    if not in_legacy_pages_mode():
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    if config.get_option("global.appTest"):
        # AppTest re-arms the legacy flag before every run and a rerun there would drop the
        # clicked widget; its pages render the same either way, so just go on.
        return
    st.rerun()
