"""Planning tests buy from the purchasing tests' suppliers."""

from tests.purchasing.conftest import (  # noqa: F401  (fixtures)
    buyer_manager,
    chain,
    design,
    director,
    fast_wood,
    make_supplier,
    oak,
    prices,
    purchaser,
    timber_co,
    warehouse,
)
