"""Crosswalk tables (CSV), shipped inside the arkgraph package. Curators edit the CSV files; see README.md."""
