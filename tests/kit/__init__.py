"""The test kit every domain's tests inherit: declared view and API cases (``views``, ``api``),
pinned query counts (``query_counts``), export readers (``exports``) and the invariants fixture
(``invariants``). ARCHITECTURE.md says how a domain uses it and why it lives in ``tests/``."""
