"""What of the books can be imported when a company moves in mid-year: the chart of accounts,
the opening balances (one opening entry that must balance to be posted), and the open customer
invoices and supplier bills with what is left to pay and when (see ``services.moving_in``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy, gettext_noop

from tandem.accounting.models import Account, BankStatement, BankStatementLine, Invoice, Journal
from tandem.accounting.models.books import SUBTYPES_OF_TYPE
from tandem.accounting.services import moving_in, statements
from tandem.accounting.services.statement_files import compact_iban
from tandem.core.importing import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    REFERENCE,
    Cleaned,
    ImportContext,
    ImportField,
    ImportSpec,
    MatchKey,
    Reason,
    RowInvalid,
)
from tandem.core.messages import Message
from tandem.core.models import Currency
from tandem.core.money import round_money
from tandem.partners.models import Partner

CODE = ImportField(
    "code",
    gettext_lazy("Account"),
    required=True,
    max_length=32,
    aliases=(
        "account code",
        "account number",
        "konto",
        "счёт",
        "счет",
        "номер счёта",
        "numer konta",
        "konto",
        "številka konta",
        "科目",
        "科目代码",
    ),
)
CURRENCY = ImportField(
    "currency",
    gettext_lazy("Currency"),
    kind=REFERENCE,
    max_length=3,
    aliases=("валюта", "waluta", "valuta", "货币", "币种"),
)
PARTNER = ImportField(
    "partner",
    gettext_lazy("Partner"),
    kind=REFERENCE,
    max_length=64,
    help_text=gettext_lazy("The partner's tax ID or external reference."),
    aliases=(
        "customer",
        "supplier",
        "tax id",
        "vat",
        "контрагент",
        "инн",
        "kontrahent",
        "nip",
        "partner",
        "davčna številka",
        "往来单位",
    ),
)


def _currency(
    ctx: ImportContext, row: dict[str, Any], data: Cleaned, errors: dict[str, list[Reason]]
) -> None:
    code = str(row.get("currency") or "").upper()
    if not code:
        return
    if code not in ctx.cache.setdefault("currencies", set(Currency.objects.values_list("code", flat=True))):
        errors["currency"] = [Message(gettext_noop("There is no currency “%(code)s”."), {"code": code})]
    else:
        data["currency_id"] = code


def _money(row: dict[str, Any], name: str, errors: dict[str, list[Reason]]) -> Decimal | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, Decimal) or value < 0:
        errors[name] = [Message(gettext_noop("Enter an amount of zero or more."))]
        return None
    return value


# --- chart of accounts ---------------------------------------------------------------------

ACCOUNT_FIELDS = (
    CODE,
    ImportField(
        "name",
        gettext_lazy("Name"),
        required=True,
        max_length=200,
        aliases=(
            "account name",
            "название",
            "наименование",
            "nazwa",
            "naziv",
            "ime konta",
            "名称",
            "科目名称",
        ),
    ),
    ImportField(
        "type",
        gettext_lazy("Type"),
        kind=CHOICE,
        required=True,
        choices=tuple(Account.Type.choices),
        aliases=("account type", "тип", "typ", "vrsta", "tip", "类型"),
    ),
    ImportField(
        "subtype",
        gettext_lazy("Subtype"),
        kind=CHOICE,
        required=True,
        choices=tuple(Account.Subtype.choices),
        aliases=("вид", "podtyp", "podvrsta", "子类型"),
    ),
    ImportField("reconcilable", gettext_lazy("Reconcilable"), kind=BOOL),
    CURRENCY,
    ImportField("active", gettext_lazy("Active"), kind=BOOL),
)


def _prepare_accounts(ctx: ImportContext) -> None:
    ctx.cache["codes"] = dict(Account.objects.filter(company=ctx.company).values_list("code", "pk"))


def _validate_account(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    data: Cleaned = {
        name: row[name]
        for name in ("code", "name", "type", "subtype", "reconcilable", "active")
        if name in row
    }
    if data["subtype"] not in SUBTYPES_OF_TYPE[data["type"]]:
        errors["subtype"] = [Message(gettext_noop("This subtype does not belong to the account's type."))]
    if data["subtype"] in {"receivable", "payable"}:
        data["reconcilable"] = True
    _currency(ctx, row, data, errors)
    if errors:
        raise RowInvalid(errors)
    return data


ACCOUNTS = ImportSpec(
    key="accounting.account",
    label=gettext_lazy("Chart of accounts"),
    model="accounting.Account",
    permissions=("accounting.add_account", "accounting.change_account"),
    fields=ACCOUNT_FIELDS,
    match_keys=(MatchKey("code", gettext_lazy("Account code"), ("code",)),),
    prepare=_prepare_accounts,
    validate_row=_validate_account,
    find_existing=lambda ctx, key, keys: {k: ctx.cache["codes"][k] for k in keys if k in ctx.cache["codes"]},
    write_batch=moving_in.import_accounts,
    list_url="accounting:account_list",
    description=gettext_lazy("Accounts with their type and subtype; an existing code is updated."),
)


# --- opening balances ----------------------------------------------------------------------

OPENING_FIELDS = (
    ImportField(
        "date", gettext_lazy("Date"), kind=DATE, required=True, aliases=("дата", "data", "datum", "日期")
    ),
    CODE,
    PARTNER,
    ImportField(
        "label", gettext_lazy("Label"), max_length=200, aliases=("description", "opis", "описание", "摘要")
    ),
    ImportField(
        "debit", gettext_lazy("Debit"), kind=DECIMAL, aliases=("дебет", "winien", "debet", "breme", "借方")
    ),
    ImportField(
        "credit", gettext_lazy("Credit"), kind=DECIMAL, aliases=("кредит", "ma", "kredyt", "dobro", "贷方")
    ),
    CURRENCY,
    ImportField(
        "amount_currency",
        gettext_lazy("Amount in currency"),
        kind=DECIMAL,
        aliases=("сумма в валюте", "kwota w walucie", "znesek v valuti", "外币金额"),
    ),
    ImportField(
        "due_date", gettext_lazy("Due date"), kind=DATE, aliases=("срок оплаты", "termin", "zapadlost")
    ),
)


def _prepare_partners(ctx: ImportContext) -> None:
    partners = Partner.objects.filter(company=ctx.company)
    ctx.cache["partners"] = {
        **dict(partners.exclude(ref="").values_list("ref", "pk")),
        **dict(partners.exclude(tax_id="").values_list("tax_id", "pk")),
    }


def _partner(ctx: ImportContext, row: dict[str, Any], errors: dict[str, list[Reason]]) -> int | None:
    key = str(row.get("partner") or "").strip()
    if not key:
        return None
    pk = ctx.cache["partners"].get(key)
    if pk is None:
        errors["partner"] = [
            Message(gettext_noop("No partner has the tax ID or reference “%(key)s”."), {"key": key})
        ]
    return pk  # type: ignore[no-any-return]


def _prepare_opening(ctx: ImportContext) -> None:
    moving_in.refuse_second_opening(ctx.company)  # told at the check, before any row
    _prepare_accounts(ctx)
    _prepare_partners(ctx)
    ctx.cache["archived"] = set(
        Account.objects.filter(company=ctx.company, active=False).values_list("pk", flat=True)
    )


def _validate_opening(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    data: Cleaned = {"date": row["date"], "label": row.get("label", "")}
    account = ctx.cache["codes"].get(row["code"])
    if account is None:
        errors["code"] = [Message(gettext_noop("There is no account “%(code)s”."), {"code": row["code"]})]
    if account in ctx.cache["archived"]:
        errors["code"] = [Message(gettext_noop("The account “%(code)s” is archived."), {"code": row["code"]})]
    data["account_id"] = account
    data["partner_id"] = _partner(ctx, row, errors)
    debit, credit = _money(row, "debit", errors), _money(row, "credit", errors)
    if debit and credit:
        errors["credit"] = [Message(gettext_noop("A line is either a debit or a credit, not both."))]
    data["debit"], data["credit"] = debit or Decimal(0), credit or Decimal(0)
    if "amount_currency" in row:
        data["amount_currency"] = row["amount_currency"]
    if "due_date" in row:
        data["due_date"] = row["due_date"]
    _currency(ctx, row, data, errors)
    foreign = data.get("currency_id") not in (None, ctx.company.currency_id)
    if foreign and data.get("amount_currency") is None:
        errors["amount_currency"] = [
            Message(gettext_noop("A line in another currency needs its amount in that currency."))
        ]
    first = ctx.cache.setdefault("opening_date", row["date"])
    if row["date"] != first:
        errors["date"] = [Message(gettext_noop("Every row of the opening balances has the same date."))]
    if errors:
        raise RowInvalid(errors)
    return data


OPENING = ImportSpec(
    key="accounting.opening",
    label=gettext_lazy("Opening balances"),
    model="accounting.JournalEntry",
    permissions=("accounting.add_journalentry", "accounting.change_journalentry"),
    fields=OPENING_FIELDS,
    match_keys=(MatchKey("code", gettext_lazy("Every row is a new line"), ("code",)),),
    prepare=_prepare_opening,
    validate_row=_validate_opening,
    make_key=lambda match_key, cleaned: None,
    find_existing=lambda ctx, key, keys: {},
    write_batch=moving_in.import_opening_lines,
    finish=moving_in.post_opening,
    list_url="accounting:entry_list",
    description=gettext_lazy(
        "One opening entry, posted when its lines balance; once it is posted, another file is "
        "refused unless that entry was reversed. Leave out receivables and payables when you "
        "import the open invoices and bills."
    ),
)


# --- open invoices and bills ---------------------------------------------------------------

OPEN_ITEM_FIELDS = (
    ImportField(
        "kind",
        gettext_lazy("Kind"),
        kind=CHOICE,
        required=True,
        choices=tuple(Invoice.Kind.choices),
        aliases=("type", "document type", "вид документа", "rodzaj", "vrsta", "类型"),
    ),
    PARTNER,
    ImportField(
        "number",
        gettext_lazy("Number"),
        required=True,
        max_length=64,
        aliases=("invoice number", "номер", "numer", "številka", "发票号"),
    ),
    ImportField(
        "invoice_date",
        gettext_lazy("Invoice date"),
        kind=DATE,
        required=True,
        aliases=("date", "дата", "data", "datum", "日期"),
    ),
    ImportField(
        "due_date", gettext_lazy("Due date"), kind=DATE, aliases=("срок оплаты", "termin", "zapadlost")
    ),
    CURRENCY,
    ImportField(
        "amount",
        gettext_lazy("Total"),
        kind=DECIMAL,
        required=True,
        aliases=("amount", "сумма", "kwota", "znesek", "金额"),
    ),
    ImportField(
        "residual",
        gettext_lazy("Left to pay"),
        kind=DECIMAL,
        aliases=("residual", "open amount", "остаток", "do zapłaty", "odprto", "未付金额"),
    ),
    ImportField(
        "reference", gettext_lazy("Reference"), max_length=64, aliases=("ссылка", "referencja", "sklic")
    ),
)


def _prepare_open_items(ctx: ImportContext) -> None:
    _prepare_partners(ctx)
    ctx.cache["numbers"] = set(Invoice.objects.filter(company=ctx.company).values_list("kind", "number"))


def _validate_open_item(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    data: Cleaned = {
        name: row[name] for name in ("kind", "number", "invoice_date", "due_date", "reference") if name in row
    }
    partner = _partner(ctx, row, errors)
    if "partner" not in row:
        errors["partner"] = [Message(gettext_noop("This field is required."))]
    amount, residual = _money(row, "amount", errors), _money(row, "residual", errors)
    if amount is not None and residual is not None and residual > amount:
        errors["residual"] = [Message(gettext_noop("What is left to pay cannot exceed the total."))]
    if (residual if residual is not None else amount) == 0:
        errors["residual"] = [Message(gettext_noop("Nothing is left to pay: this item is not open."))]
    if (row["kind"], row["number"]) in ctx.cache["numbers"]:
        errors["number"] = [Message(gettext_noop("A document with this number exists already."))]
    _currency(ctx, row, data, errors)
    if errors or partner is None:
        raise RowInvalid(errors)
    data.update(partner_id=partner, amount=amount)
    if residual is not None:
        data["residual"] = residual
    return data


OPEN_ITEMS = ImportSpec(
    key="accounting.open_items",
    label=gettext_lazy("Open invoices and bills"),
    model="accounting.Invoice",
    permissions=("accounting.add_invoice", "accounting.add_journalentry"),
    fields=OPEN_ITEM_FIELDS,
    match_keys=(MatchKey("number", gettext_lazy("Number"), ("number",)),),
    prepare=_prepare_open_items,
    validate_row=_validate_open_item,
    find_existing=lambda ctx, key, keys: {},  # an existing number is refused by validation
    write_batch=moving_in.import_open_items,
    list_url="accounting:entry_list",
    description=gettext_lazy(
        "Customer invoices and supplier bills still open in the old system: total, what is left, due date, "
        "the partner by tax ID or reference."
    ),
)


# --- bank statement lines (CSV) ------------------------------------------------------------

STATEMENT_LINE_FIELDS = (
    ImportField(
        "date",
        gettext_lazy("Date"),
        kind=DATE,
        required=True,
        aliases=(
            "booking date",
            "value date",
            "дата",
            "data",
            "datum",
            "datum knjiženja",
            "日期",
            "交易日期",
        ),
    ),
    ImportField(
        "amount",
        gettext_lazy("Amount"),
        kind=DECIMAL,
        help_text=gettext_lazy("Signed: positive for money in, negative for money out."),
        aliases=("сумма", "kwota", "znesek", "金额", "交易金额"),
    ),
    ImportField(
        "money_in",
        gettext_lazy("Money in"),
        kind=DECIMAL,
        help_text=gettext_lazy("Instead of a signed amount: what came in …"),
        aliases=(
            "credit",
            "поступление",
            "приход",
            "uznania",
            "wpływy",
            "priliv",
            "dobro",
            "收入",
            "贷方金额",
        ),
    ),
    ImportField(
        "money_out",
        gettext_lazy("Money out"),
        kind=DECIMAL,
        help_text=gettext_lazy("… and what went out (a positive number)."),
        aliases=(
            "debit",
            "списание",
            "расход",
            "obciążenia",
            "wydatki",
            "odliv",
            "breme",
            "支出",
            "借方金额",
        ),
    ),
    ImportField(
        "counterparty_name",
        gettext_lazy("Counterparty"),
        max_length=200,
        aliases=(
            "name",
            "payer",
            "payee",
            "контрагент",
            "плательщик",
            "kontrahent",
            "nazwa",
            "partner",
            "naziv",
            "对方户名",
            "对方名称",
        ),
    ),
    ImportField(
        "counterparty_iban",
        gettext_lazy("Counterparty's IBAN"),
        max_length=42,
        aliases=("iban", "account", "счёт контрагента", "rachunek", "numer rachunku", "račun", "对方账号"),
    ),
    ImportField(
        "reference",
        gettext_lazy("Reference"),
        max_length=200,
        aliases=("payment reference", "назначение", "tytuł", "tytuł przelewu", "sklic", "referenca", "附言"),
    ),
    ImportField(
        "narration",
        gettext_lazy("Details"),
        max_length=2000,
        aliases=("description", "details", "purpose", "описание", "opis", "namen", "摘要", "用途"),
    ),
    ImportField(
        "import_id",
        gettext_lazy("Bank's transaction ID"),
        max_length=128,
        help_text=gettext_lazy("With it, a transaction already imported is refused."),
        aliases=(
            "transaction id",
            "id",
            "номер документа",
            "id transakcji",
            "id transakcije",
            "流水号",
            "交易流水号",
        ),
    ),
    ImportField(
        "statement",
        gettext_lazy("Statement"),
        max_length=64,
        help_text=gettext_lazy("The statement's reference; empty: one statement per day of import."),
        aliases=("statement number", "выписка", "wyciąg", "izpisek", "对账单"),
    ),
    ImportField(
        "journal",
        gettext_lazy("Bank journal"),
        kind=REFERENCE,
        max_length=8,
        help_text=gettext_lazy("The bank journal's code; empty: the company's only bank journal."),
        aliases=("bank", "журнал", "dziennik", "dnevnik", "日记账"),
    ),
)


def _prepare_statement_lines(ctx: ImportContext) -> None:
    from django.utils import timezone

    journals = Journal.objects.filter(company=ctx.company, kind=Journal.Kind.BANK, active=True)
    ctx.cache["journals"] = {j.code.upper(): j for j in journals.select_related("currency", "company")}
    ctx.cache["statements"] = set(
        BankStatement.objects.filter(company=ctx.company).values_list("journal_id", "name")
    )
    ctx.cache["default_name"] = f"CSV {timezone.localdate().isoformat()}"
    ctx.cache["seen_ids"] = set()


def _statement_journal(
    ctx: ImportContext, row: dict[str, Any], errors: dict[str, list[Reason]]
) -> Journal | None:
    journals: dict[str, Journal] = ctx.cache["journals"]
    code = str(row.get("journal") or "").strip().upper()
    if code:
        found = journals.get(code)
        if found is None:
            errors["journal"] = [
                Message(gettext_noop("There is no bank journal “%(code)s”."), {"code": code})
            ]
        return found
    if len(journals) == 1:
        return next(iter(journals.values()))
    errors["journal"] = [
        Message(gettext_noop("Name the bank journal: map a column with its code (the company has several)."))
        if journals
        else Message(gettext_noop("Create a bank journal with its bank account first."))
    ]
    return None


def _statement_amount(row: dict[str, Any], errors: dict[str, list[Reason]]) -> Decimal | None:
    amount, money_in, money_out = row.get("amount"), row.get("money_in"), row.get("money_out")
    if amount is not None and (money_in is not None or money_out is not None):
        errors["amount"] = [Message(gettext_noop("Give a signed amount or money in and out, not both."))]
        return None
    if amount is None:
        if money_in is None and money_out is None:
            errors["amount"] = [Message(gettext_noop("Each row needs an amount (or money in or out)."))]
            return None
        if (money_in is not None and money_in < 0) or (money_out is not None and money_out < 0):
            errors["amount"] = [Message(gettext_noop("Money in and out are positive numbers."))]
            return None
        amount = (money_in or Decimal(0)) - (money_out or Decimal(0))
    if not amount:
        errors["amount"] = [Message(gettext_noop("A transaction of zero is no transaction."))]
        return None
    return Decimal(amount)


def _validate_statement_line(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    journal = _statement_journal(ctx, row, errors)
    amount = _statement_amount(row, errors)
    name = str(row.get("statement") or ctx.cache["default_name"]).strip()[:64]
    if journal is not None and (journal.pk, name) in ctx.cache["statements"]:
        errors["statement"] = [
            Message(gettext_noop("The statement “%(name)s” exists already: name a new one."), {"name": name})
        ]
    if journal is not None and amount is not None:
        currency = journal.currency or journal.company.currency
        if round_money(amount, currency) != amount:
            errors["amount"] = [
                Message(
                    gettext_noop("Use at most %(places)s decimal places."), {"places": currency.minor_unit}
                )
            ]
    import_id = str(row.get("import_id") or "").strip()
    if import_id:
        if import_id in ctx.cache["seen_ids"]:
            errors["import_id"] = [Message(gettext_noop("This transaction ID is in the file twice."))]
        ctx.cache["seen_ids"].add(import_id)
    if errors or journal is None or amount is None:
        raise RowInvalid(errors)
    return {
        "journal_id": journal.pk,
        "statement": name,
        "date": row["date"],
        "amount": amount,
        "counterparty_name": str(row.get("counterparty_name") or "").strip(),
        "counterparty_iban": compact_iban(str(row.get("counterparty_iban") or "")),
        "reference": str(row.get("reference") or "").strip(),
        "narration": str(row.get("narration") or "").strip(),
        "import_id": import_id,
    }


def _existing_lines(ctx: ImportContext, key: str, keys: list[str]) -> dict[str, int]:
    rows = BankStatementLine.objects.filter(company=ctx.company, import_id__in=keys)
    return dict(rows.values_list("import_id", "pk"))


def _check_statement_line(
    ctx: ImportContext, line: int, cleaned: Cleaned, existing: int | None
) -> dict[str, list[Reason]]:
    if existing is None:
        return {}
    return {"import_id": [Message(gettext_noop("This transaction was imported already: it is skipped."))]}


STATEMENT_LINES = ImportSpec(
    key="accounting.statement_lines",
    label=gettext_lazy("Bank statement lines"),
    model="accounting.BankStatement",
    permissions=("accounting.add_bankstatement", "accounting.add_bankstatementline"),
    fields=STATEMENT_LINE_FIELDS,
    match_keys=(MatchKey("import_id", gettext_lazy("Bank's transaction ID"), ("import_id",)),),
    prepare=_prepare_statement_lines,
    validate_row=_validate_statement_line,
    find_existing=_existing_lines,
    check_row=_check_statement_line,
    write_batch=statements.import_lines,
    list_url="accounting:statement_list",
    description=gettext_lazy(
        "A bank's CSV export: each row a transaction (date, amount or money in and out, counterparty, "
        "reference). Rows become a statement's lines, waiting to be reconciled; a transaction ID already "
        "imported is refused."
    ),
)

SPECS = [ACCOUNTS, OPENING, OPEN_ITEMS, STATEMENT_LINES]
