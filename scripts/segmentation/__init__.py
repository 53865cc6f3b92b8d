"""Python helpers for the customer segmentation dbt project.

The dbt project does the modelling; this package only produces sample raw data,
drives dbt and renders a quick summary and plots of the built marts.
"""

from segmentation.generator import PLANTED_CUSTOMERS, RawData, generate_raw_data

__all__ = ["PLANTED_CUSTOMERS", "RawData", "generate_raw_data"]
__version__ = "0.1.0"
