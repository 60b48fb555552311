"""Save directories (``directory.py``) and their locks (``locks.py``)."""

from ..emulator.save_rules import TMP_SUFFIX, ZIP_SUFFIX
from .directory import LEVEL_FILES, SaveDir, SaveInfo, SaveRoot, latest_save, list_saves
from .locks import CLUSTER_MARKER, LOCK_FILE_NAME, Holder, cluster_holder, pid_alive

__all__ = [
    "CLUSTER_MARKER",
    "LEVEL_FILES",
    "LOCK_FILE_NAME",
    "TMP_SUFFIX",
    "ZIP_SUFFIX",
    "Holder",
    "SaveDir",
    "SaveInfo",
    "SaveRoot",
    "cluster_holder",
    "latest_save",
    "list_saves",
    "pid_alive",
]
