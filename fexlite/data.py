"""Where the shipped data folders are: abi/, structs/ and examples/ of a source
checkout, installed as the packages fexlite._abi, fexlite._structs, fexlite._examples."""
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """name: 'abi', 'structs' or 'examples'."""
    installed = _HERE / f"_{name}"
    return installed if installed.is_dir() else _HERE.parent / name
