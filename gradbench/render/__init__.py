"""Showing results: tables at the terminal's width, one view per study, CSV/JSON rows, plots and the
markdown page."""
