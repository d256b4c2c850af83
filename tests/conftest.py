import os
import pytest
import torch

os.environ.setdefault("LGMOT_PROGRESS", "0")
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

from lgmot.core import find_data_root


@pytest.fixture(scope="session")
def data_root():
    "The real MOT17 data folder (`$LGMOT_DATA` or ../shared/data); skips the test when absent."
    root = find_data_root()
    if root is None:
        pytest.skip("real data not found (set LGMOT_DATA or put shared/data beside the checkout)")
    return root
