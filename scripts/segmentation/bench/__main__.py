"""``python -m segmentation.bench PROJECT_DIR PROFILES_DIR dbt-args...``: the child of each dbt run."""

import sys

from .dbt import child_main

sys.exit(child_main(sys.argv[1:]))
