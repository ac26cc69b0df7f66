"""Built-in model zoo: small trained models and the data sets they were trained on.

The weights are bundled in ``slimbench/resources/zoo`` and were made by ``train.py``; the
data sets are bundled or generated, never downloaded.
"""

from slimbench.engine.zoo.datasets import list_datasets, load_dataset
from slimbench.engine.zoo.registry import ZOO, ZooEntry, build_model, get_entry

__all__ = ["ZOO", "ZooEntry", "build_model", "get_entry", "list_datasets", "load_dataset"]
