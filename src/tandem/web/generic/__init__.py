"""Generic list, detail and form views every domain declares its pages with."""

from tandem.web.display import Column
from tandem.web.generic.base import ModelView
from tandem.web.generic.detail import ObjectDetailView
from tandem.web.generic.form import ObjectCreateView, ObjectEditView, ObjectFormView
from tandem.web.generic.list import ObjectListView
from tandem.web.keyset import SortKey

__all__ = [
    "Column",
    "ModelView",
    "ObjectCreateView",
    "ObjectDetailView",
    "ObjectEditView",
    "ObjectFormView",
    "ObjectListView",
    "SortKey",
]
