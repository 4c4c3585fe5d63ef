"""Type stubs for the compiled module ``pybet._core`` (checked with ``mypy.stubtest``)."""

__all__: list[str]
__version__: str
