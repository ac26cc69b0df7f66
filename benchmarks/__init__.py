"""Side-by-side measurements of Slimbench (ours vs baselines, before vs after)."""
