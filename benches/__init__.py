"""pybet's benchmark suite (run it with ``pybet bench``; see ``benches/suite.py``)."""
