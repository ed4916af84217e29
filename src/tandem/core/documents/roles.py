"""Who may sign documents with the company certificate. Administrators hold every permission anyway."""

from tandem.core import roles

GRANTS = {roles.SALES_MANAGER: ["sign_document"]}
