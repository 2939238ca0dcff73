"""Turkish for the parts of Streamlit's own interface the app cannot label itself.

Streamlit writes a few texts in English and has no setting for them: the file uploader
("Upload", "20MB per file • MD, …", "… files are not allowed"), the "Stop" button of the
running status. CSS hides those texts and shows Turkish ones in their place (the
data-testid attributes are Streamlit's stable test hooks). The ⋮ menu is reduced by
`client.toolbarMode = "minimal"` in .streamlit/config.toml.

On a narrow screen the sidebar covers the page; Streamlit closes it after a page is chosen
only when the browser says it is a phone, so a small script closes it on any narrow window.
Wide markdown tables scroll inside their own box, so a phone never has to scroll the page sideways.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import streamlit as st

NARROW_PX = 768  # below this Streamlit draws the sidebar over the page


def _swap(selector: str, text: str, size: str = "0.875rem") -> str:
    """CSS that hides `selector`'s own text and shows `text` instead."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"{selector}{{font-size:0 !important;line-height:0;}}"
        f"{selector}::after{{content:\"{quoted}\";font-size:{size};line-height:1.6;}}"
    )


def app_css() -> str:
    rules = [
        # The running status: "Stop" -> "Durdur" (the running icon's label has no visible text).
        _swap('[data-testid="stStatusWidget"] button[data-testid="stBaseButton-header"]', "Durdur"),
        # The uploader's button.
        _swap('[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"] '
              '[data-testid="stMarkdownContainer"] p', "Dosya seç"),
        # A refused file: the hover text and the screen-reader text under the file chip.
        _swap('[data-testid="stTooltipErrorContent"]',
              "Bu dosya yüklenemez: türü desteklenmiyor ya da dosya çok büyük."),
        _swap('[data-testid="stFileChip"] span[role="alert"]', "Bu dosya yüklenemez."),
        # A wide course table (six columns) on a phone: it scrolls sideways in its own box
        # instead of running past the message, where its last columns were cut off.
        '[data-testid="stMarkdownContainer"] table,[data-testid="stCaptionContainer"] table'
        '{display:block;max-width:100%;overflow-x:auto;}',
        # The hook element below takes no room on the page.
        '[data-testid="stElementContainer"]:has(.da-chrome-hook){display:none;}',
    ]
    return "".join(rules)


_CLOSE_SIDEBAR_JS = """
(function () {
  if (window.__daSidebarHook) return;
  window.__daSidebarHook = true;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('[data-testid="stSidebarNavLink"]');
    if (!link || window.innerWidth >= %d) return;
    setTimeout(function () {  // after Streamlit's own handler (it closes the sidebar on phones)
      var bar = document.querySelector('[data-testid="stSidebar"]');
      if (!bar) return;
      var box = bar.getBoundingClientRect();
      if (box.width > 0 && box.right > 0) {
        var close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (close) close.click();
      }
    }, 300);
  }, true);
})();
""" % NARROW_PX

# Streamlit's own English words that CSS cannot reach (hover tooltips of table toolbars, file
# sizes under an uploaded file, buttons' accessible names): a small observer rewrites them.
EXACT_TEXTS = {
    "Show/hide columns": "Sütunları göster/gizle",
    "Download as CSV": "CSV olarak indir",
    "Search": "Ara",
    "Fullscreen": "Tam ekran",
    "Close fullscreen": "Tam ekrandan çık",
    "Close": "Kapat",
    "Add files": "Dosya ekle",
}

_TRANSLATE_JS = """
(function () {
  if (window.__daTranslateHook) return;
  window.__daTranslateHook = true;
  var exact = %s;
  var size = /^(\\d+)\\.(\\d)\\s*([KMG]?B)$/;
  function fix(root) {
    root.querySelectorAll('[role="tooltip"], [data-testid="stFileChip"]').forEach(function (box) {
      var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      var node;
      while ((node = walker.nextNode())) {
        var text = node.nodeValue.trim();
        if (exact[text]) node.nodeValue = exact[text];
        else if (size.test(text)) node.nodeValue = text.replace(size, "$1,$2 $3");
      }
    });
    root.querySelectorAll('[aria-label]').forEach(function (el) {
      var label = el.getAttribute("aria-label");
      if (exact[label]) el.setAttribute("aria-label", exact[label]);
    });
  }
  var pending = null;  // at most one pass per 150 ms, even while an answer streams
  new MutationObserver(function () {
    if (pending) return;
    pending = setTimeout(function () { pending = null; fix(document.body); }, 150);
  })
    .observe(document.body, {childList: true, subtree: true, characterData: true});
  fix(document.body);
})();
"""


def apply_app_chrome() -> None:
    """Once per run, from app.py: the Turkish texts and the narrow-screen sidebar."""
    st.html(
        f"<style>{app_css()}</style><span class='da-chrome-hook'></span>"
        f"<script>{_CLOSE_SIDEBAR_JS}{_TRANSLATE_JS % json.dumps(EXACT_TEXTS, ensure_ascii=False)}</script>",
        unsafe_allow_javascript=True,
    )


def uploader_instructions(max_mb: float, extensions: Iterable[str]) -> str:
    """The line under the uploader's button, in Turkish: "Dosya başına en fazla 20 MB • MD, TXT …"."""
    aliases = {"MARKDOWN": "MD", "HTM": "HTML"}  # one name per kind
    kinds = ", ".join(dict.fromkeys(aliases.get(k, k) for k in (ext.lstrip(".").upper() for ext in extensions)))
    return f"Dosyaları buraya sürükleyin ya da seçin · dosya başına en fazla {max_mb:g} MB · {kinds}"


def turkish_file_uploader(max_mb: float, extensions: Iterable[str]) -> None:
    """Call on a page with an uploader: its instructions line in Turkish (style only, no room)."""
    text = uploader_instructions(max_mb, extensions)
    st.html("<style>" + _swap('[data-testid="stFileUploaderDropzoneInstructions"] span', text) + "</style>")
