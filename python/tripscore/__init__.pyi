from typing import Any, Optional

import pyarrow as pa

__version__: str
OPTIMIZED: bool

def default_config() -> dict[str, Any]: ...
def feature_columns() -> list[str]: ...
def score_arrow(
    trips: pa.Table,
    config: Optional[dict[str, Any]] = ...,
    *,
    annotations: bool = ...,
    explain: bool = ...,
    trajectory: bool = ...,
    threads: int = ...,
) -> pa.Table: ...
def table_column(field: str, names: list[str]) -> Optional[int]: ...
def score_window(windows: pa.Table, config: Optional[dict[str, Any]] = ...) -> pa.Table: ...
def user_car_behavior(windows: pa.Table, config: Optional[dict[str, Any]] = ...) -> pa.Table: ...
