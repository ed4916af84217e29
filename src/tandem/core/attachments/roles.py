from tandem.core import roles

# Seeing, adding and removing one's own files follows the record (see services.py);
# removing anyone's file is this permission. Administrators hold every permission.
GRANTS = {
    roles.SALES_MANAGER: ["delete_attachment"],
}
