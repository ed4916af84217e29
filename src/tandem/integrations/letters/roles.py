"""What each role may do with document templates. Administrators hold every permission anyway."""

from tandem.core import roles

_USE = ["view_documenttemplate", "generate_document"]

GRANTS = {
    roles.SALES_MANAGER: [*_USE, "add_documenttemplate", "change_documenttemplate"],
    roles.SALESPERSON: _USE,
    roles.PURCHASER: _USE,
    roles.ACCOUNTANT: _USE,
}
