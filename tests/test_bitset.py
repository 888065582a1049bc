"""The compiled label bit sets agree with their pure-Python twin."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from architect import _native
from architect.routing import bitset as py_bitset


def _impls() -> list[ModuleType]:
    impls = [py_bitset]
    if _native.NATIVE:
        impls.append(_native.bitset)
    return impls


IMPLS = pytest.mark.parametrize("impl", _impls(), ids=lambda m: m.__name__)
masks = st.integers(min_value=0, max_value=(1 << 130) - 1)


@IMPLS
def test_encode_and_covers(impl: ModuleType) -> None:
    index = {"python": 0, "gpu": 1, "prod": 70}
    have = impl.encode(["python", "gpu", "prod"], index)
    assert have == (1 << 0) | (1 << 1) | (1 << 70)
    assert impl.covers(have, impl.encode(["gpu", "prod"], index))
    assert not impl.covers(impl.encode(["gpu"], index), impl.encode(["gpu", "prod"], index))
    assert impl.covers(0, 0)
    with pytest.raises(KeyError):
        impl.encode(["unknown"], index)


@IMPLS
@given(have=masks, need=masks)
def test_covers_matches_definition(impl: ModuleType, have: int, need: int) -> None:
    assert impl.covers(have, need) == (need & have == need)


@IMPLS
@given(haves=st.lists(masks, max_size=20), need=masks)
def test_count_covering(impl: ModuleType, haves: list[int], need: int) -> None:
    assert impl.count_covering(haves, need) == sum(1 for h in haves if need & h == need)


def test_native_is_built_unless_pure_python_forced() -> None:
    # The package is installed by `pip install`, which compiles native/; a missing
    # extension there is a build failure, not a reason to fall back silently.
    assert _native.NATIVE != _native.PURE_PYTHON
