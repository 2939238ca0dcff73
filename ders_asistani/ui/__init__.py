"""Streamlit helpers: cached resources and rendering pieces shared by the pages.

Nothing heavy is imported at module level so that the first page renders fast.
"""
