"""SHACL shapes for arkgraph output (Turtle), shipped inside the package."""
