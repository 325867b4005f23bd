"""Write an ONNX model's own facts: its metadata_props and its version."""

from __future__ import annotations

import onnx

from edge_infer import contract


def set_metadata(proto: onnx.ModelProto, props: dict[str, str]) -> None:
    """Replace the model's metadata_props with ``props``."""
    del proto.metadata_props[:]
    for key, value in props.items():
        proto.metadata_props.add(key=key, value=value)


def set_version(proto: onnx.ModelProto, version: int) -> None:
    """Record ``version`` in ONNX's own ``model_version`` field and in the metadata the runtime reads."""
    proto.model_version = version
    props = {p.key: p.value for p in proto.metadata_props}
    props[contract.key("model_version")] = str(version)
    set_metadata(proto, props)
