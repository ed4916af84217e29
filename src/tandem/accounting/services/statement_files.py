"""Bank statement files: one entry point, :func:`parse_statement`, that reads what a bank sent
and returns a :class:`ParsedStatement` (or refuses the file with a clear message).

The format is chosen by the content, never by the file's name:

* **CAMT.053** (ISO 20022 XML): screened first with ``defusedxml`` (no DTD, so no entity
  expansion — billion laughs — and no external entity — XXE), then read by ``pycamt``
  (lxml with entities and network off). ``pycamt`` reads the entries; the statement's own
  header (its id, balances as Decimal, a PRCD opening balance) is read here from the same tree.
* **MT940** (SWIFT): read by the ``mt-940`` package, reversal marks signed (RC is money out).
* **CSV**: a bank's CSV has no standard columns, so it goes through the platform's import
  (column mapping, dry run): :class:`CsvStatementFile` says so, and ``accounting.imports``
  declares the spec for statement lines.

Anything else — binary data, an XML file that is not a CAMT.053 statement, text in no known
encoding, a file larger than ``TANDEM_BANK_FILE_MAX_BYTES`` — is refused with a message that
says what is wrong. A statement whose opening balance plus its lines does not make its
closing balance is refused too: a line is missing or one is wrong, and importing it would
leave the books and the bank apart. Nothing here writes to the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from tandem.core.errors import BusinessError

ZERO = Decimal(0)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_LINES = 20_000
CAMT053 = "camt053"
MT940 = "mt940"
CSV = "csv"


class StatementFileError(BusinessError):
    """The file is not a bank statement Tandem can read, or it does not add up."""

    code = "bad-bank-file"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


class CsvStatementFile(StatementFileError):
    """A CSV file: its columns are mapped and checked in the import wizard."""

    code = "csv-bank-file"


@dataclass
class ParsedLine:
    date: datetime.date
    amount: Decimal  # signed: positive for money in
    counterparty_name: str = ""
    counterparty_iban: str = ""
    reference: str = ""
    narration: str = ""
    import_id: str = ""
    value_date: datetime.date | None = None


@dataclass
class ParsedStatement:
    format: str  # CAMT053 or MT940
    name: str
    date: datetime.date
    currency: str
    balance_start: Decimal
    balance_end: Decimal
    account_iban: str = ""
    lines: list[ParsedLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def max_bytes() -> int:
    return int(getattr(settings, "TANDEM_BANK_FILE_MAX_BYTES", DEFAULT_MAX_BYTES))


def read_upload(upload: IO[bytes] | Any) -> bytes:
    """The bytes of an uploaded file, refusing one above the size limit without reading it all."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)
    return bytes(content)


def _too_large(limit: int) -> StatementFileError:
    return StatementFileError(
        _("The file is larger than %(size)s MB: a bank statement is much smaller. Split it, or ask the bank.")
        % {"size": limit // (1024 * 1024) or 1}
    )


def parse_statement(file: bytes | IO[bytes] | Any) -> ParsedStatement:
    """Read a bank statement file (bytes or an open binary file), whatever its format."""
    content = file if isinstance(file, bytes) else read_upload(file)
    if len(content) > max_bytes():
        raise _too_large(max_bytes())
    kind = detect(content)
    if kind == CAMT053:
        parsed = parse_camt053(content)
    elif kind == MT940:
        parsed = parse_mt940(content)
    else:
        raise CsvStatementFile(
            _(
                "This is a CSV file. Its columns differ from bank to bank: import it with Import → "
                "“Bank statement lines”, where you map the columns and check the file before anything "
                "is written."
            )
        )
    check_totals(parsed)
    return parsed


# --- which format --------------------------------------------------------------------------

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MT940_TAG = re.compile(r"^:20:", re.MULTILINE)
_MT940_BALANCE = re.compile(r"^:60[FM]:", re.MULTILINE)
_UNKNOWN = "unknown"


def detect(content: bytes) -> str:
    """CAMT053, MT940 or CSV by the file's content; refuses anything else."""
    head = content.lstrip()
    for bom in _BOMS:
        head = head.removeprefix(bom).lstrip()
    if not head:
        raise StatementFileError(_("The file is empty."))
    if head.startswith(b"<") or head[:2] in (b"<\x00", b"\x00<"):
        return CAMT053  # an XML file: parse_camt053 refuses it if it is not a statement
    if b"\x00" in content[:4096]:
        raise _unknown()  # binary data (an image, a PDF's streams, an archive)
    text = _decode(content)
    if _binary(text):
        raise _unknown()
    if _MT940_TAG.search(text) and _MT940_BALANCE.search(text):
        return MT940
    if _looks_like_csv(text):
        return CSV
    raise _unknown()


def _unknown() -> StatementFileError:
    return StatementFileError(
        _(
            "Tandem does not know this file's format. Bank statements can be imported as CAMT.053 "
            "(XML), MT940 or CSV: ask the bank for one of these."
        )
    )


def _decode(content: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1250 (central European banks' MT940)."""
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementFileError(
        _("The file's characters cannot be read (neither UTF-8 nor Windows-1250): is it a text file?")
    )


def _binary(text: str) -> bool:
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > 0


def _looks_like_csv(text: str) -> bool:
    rows = [row for row in text.splitlines()[:5] if row.strip()]
    if len(rows) < 2:
        return False
    for delimiter in (";", ",", "\t", "|"):
        counts = {row.count(delimiter) for row in rows}
        if len(counts) == 1 and counts.pop() >= 2:
            return True
    return False


# --- balances ------------------------------------------------------------------------------


def check_totals(parsed: ParsedStatement) -> None:
    """Opening balance plus the lines must be the closing balance."""
    if not parsed.lines:
        raise StatementFileError(_("The statement has no transactions: there is nothing to import."))
    if len(parsed.lines) > MAX_LINES:
        raise StatementFileError(
            _("The statement has more than %(count)s transactions: split it.") % {"count": MAX_LINES}
        )
    expected = parsed.balance_start + parsed.total
    if expected != parsed.balance_end:
        raise StatementFileError(
            _(
                "The statement does not add up: the opening balance %(start)s plus its %(count)s "
                "transactions (%(total)s) makes %(expected)s, but its closing balance is %(end)s. "
                "A transaction is missing or wrong; nothing was imported."
            )
            % {
                "start": parsed.balance_start,
                "count": len(parsed.lines),
                "total": parsed.total,
                "expected": expected,
                "end": parsed.balance_end,
            }
        )


# --- CAMT.053 ------------------------------------------------------------------------------


def _screen_xml(content: bytes) -> None:
    """Refuse a DTD (entity expansion, external entities) and malformed XML before lxml sees it."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementFileError(
            _("The XML file declares a DTD or entities, which no bank statement does: it was not read.")
        ) from None
    except (ParseError, ValueError, UnicodeError):
        raise StatementFileError(
            _("The XML file is malformed or its characters do not match its declared encoding.")
        ) from None


def parse_camt053(content: bytes) -> ParsedStatement:
    _screen_xml(content)
    from lxml import etree
    from pycamt.parser import Camt053ParseError, Camt053Parser

    try:
        parser = Camt053Parser(content)
    except (etree.XMLSyntaxError, ValueError):
        raise StatementFileError(_("The XML file is malformed.")) from None
    root = parser.tree
    namespace = etree.QName(root).namespace or ""
    if "camt.053" not in namespace or etree.QName(root).localname != "Document":
        found = namespace.rsplit(":", 1)[-1] or etree.QName(root).localname
        raise StatementFileError(
            _("This XML file is not a CAMT.053 bank statement (it is “%(kind)s”).") % {"kind": found[:60]}
        )
    camt = _Camt(root, namespace)
    statements = camt.all("BkToCstmrStmt/Stmt")
    if len(statements) != 1:
        raise StatementFileError(
            _("The file holds %(count)s statements: import a file with one statement at a time.")
            % {"count": len(statements)}
        )
    try:
        transactions = parser.get_transactions()
    except (Camt053ParseError, AttributeError):
        raise StatementFileError(_("The CAMT.053 file has no readable statement.")) from None
    return camt.statement(statements[0], transactions)


class _Camt:
    """The statement header, read with the document's namespace (Decimal amounts throughout)."""

    def __init__(self, root: Any, namespace: str) -> None:
        self.root, self.ns = root, namespace

    def _path(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" if self.ns else part for part in path.split("/"))

    def all(self, path: str, under: Any = None) -> list[Any]:
        return list((self.root if under is None else under).findall(self._path(path)))

    def text(self, under: Any, path: str) -> str:
        found = under.find(self._path(path))
        return (found.text or "").strip() if found is not None else ""

    def statement(self, stmt: Any, transactions: list[dict[str, Any]]) -> ParsedStatement:
        iban = self.text(stmt, "Acct/Id/IBAN")
        opening = closing = None
        currency = self.text(stmt, "Acct/Ccy")
        closing_date = None
        for balance in self.all("Bal", stmt):
            kind = self.text(balance, "Tp/CdOrPrtry/Cd")
            amount = self._signed(balance)
            element = balance.find(self._path("Amt"))
            currency = currency or (element.get("Ccy", "") if element is not None else "")
            if kind in ("OPBD", "PRCD") and opening is None:
                opening = amount
            elif kind == "CLBD":
                closing = amount
                closing_date = _date(self.text(balance, "Dt/Dt") or self.text(balance, "Dt/DtTm"))
        if opening is None or closing is None:
            raise StatementFileError(
                _("The CAMT.053 statement has no opening (OPBD) or no closing (CLBD) balance.")
            )
        name = self.text(stmt, "Id") or self.text(stmt, "ElctrncSeqNb")
        created = _date(self.text(stmt, "CreDtTm"))
        lines = _camt_lines(transactions, name, iban)
        day = closing_date or created or (max(line.date for line in lines) if lines else None)
        if day is None:
            raise StatementFileError(_("The CAMT.053 statement has no date."))
        return ParsedStatement(
            format=CAMT053, name=(name or day.isoformat())[:64], date=day, currency=currency.upper()[:3],
            balance_start=opening, balance_end=closing, account_iban=compact_iban(iban), lines=lines,
        )  # fmt: skip

    def _signed(self, element: Any) -> Decimal:
        amount = _decimal(self.text(element, "Amt"))
        return -amount if self.text(element, "CdtDbtInd") == "DBIT" else amount


def _camt_lines(transactions: list[dict[str, Any]], name: str, iban: str) -> list[ParsedLine]:
    lines: list[ParsedLine] = []
    seen: dict[str, int] = {}
    for n, tx in enumerate(transactions, start=1):
        status = str(tx.get("Status") or "BOOK").upper()
        if status not in ("BOOK", "BOOKED"):
            continue  # pending entries are not in the balances
        amount = _decimal(str(tx.get("Amount") or ""))
        if tx.get("CreditDebitIndicator") == "DBIT":
            amount = -amount
        incoming = amount > 0
        day = _date(str(tx.get("BookingDate") or "")) or _date(str(tx.get("ValueDate") or ""))
        if day is None:
            raise StatementFileError(_("Transaction %(n)s of the statement has no date.") % {"n": n})
        bank_id = str(tx.get("TransactionID") or "").strip()
        if bank_id:  # a batch entry's details share its id: number them
            seen[bank_id] = seen.get(bank_id, 0) + 1
            if seen[bank_id] > 1:
                bank_id = f"{bank_id}/{seen[bank_id]}"
        else:
            bank_id = f"{iban}/{name}/{n}" if name else ""
        details = [
            tx.get("RemittanceInformationFull") or tx.get("RemittanceInformation"),
            tx.get("AdditionalRemittanceInformation"),
            tx.get("AdditionalEntryInformation"),
        ]
        reference = tx.get("RemittanceInformation") if "AdditionalRemittanceInformation" in tx else None
        lines.append(
            ParsedLine(
                date=day,
                value_date=_date(str(tx.get("ValueDate") or "")),
                amount=amount,
                counterparty_name=str(tx.get("DebtorName" if incoming else "CreditorName") or "")[:200],
                counterparty_iban=compact_iban(
                    str(tx.get("DebtorIBAN" if incoming else "CreditorIBAN") or "")
                ),
                reference=str(reference or _end_to_end(tx))[:200],
                narration=" ".join(_unique(str(d).strip() for d in details if d)),
                import_id=bank_id[:128],
            )
        )
    return lines


def _end_to_end(tx: dict[str, Any]) -> str:
    value = str(tx.get("EndToEndId") or "")
    return "" if value.upper() == "NOTPROVIDED" else value


def _unique(values: Iterable[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        if value and value not in found:
            found.append(value)
    return found


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise StatementFileError(_("“%(value)s” is not an amount.") % {"value": text[:40]}) from None
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        raise StatementFileError(_("“%(value)s” is not an amount.") % {"value": text[:40]})
    return value


def _date(text: str) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise StatementFileError(_("“%(value)s” is not a date.") % {"value": text[:40]}) from None


# --- MT940 ---------------------------------------------------------------------------------


def parse_mt940(content: bytes) -> ParsedStatement:
    import mt940

    text = _decode(content)
    options = mt940.Options(reversal_sign=True, case_insensitive_marks=True, applicant_iban=True)
    statement = mt940.models.Transactions(options=options)
    try:
        statement.parse(text)
    except (RuntimeError, ValueError, TypeError, KeyError, ArithmeticError):
        raise StatementFileError(_("The MT940 file is malformed: a field could not be read.")) from None
    data = statement.data
    opening = data.get("final_opening_balance") or data.get("intermediate_opening_balance")
    closing = data.get("final_closing_balance") or data.get("intermediate_closing_balance")
    if opening is None or closing is None or not hasattr(opening, "amount"):
        raise StatementFileError(_("The MT940 file has no opening (:60:) or no closing (:62:) balance."))
    if _count(text, ":62") > 1:
        raise StatementFileError(
            _("The file holds %(count)s statements: import a file with one statement at a time.")
            % {"count": _count(text, ":62")}
        )
    account = str(data.get("account_identification") or "")
    number = str(data.get("statement_number") or "")
    name = (f"{data.get('transaction_reference') or ''} {number}".strip() or account)[:64]
    lines = [_mt940_line(n, item.data, account, name) for n, item in enumerate(statement, start=1)]
    day = closing.date or (max(line.date for line in lines) if lines else None)
    if day is None:
        raise StatementFileError(_("The MT940 statement has no date."))
    return ParsedStatement(
        format=MT940, name=name or day.isoformat(), date=_plain_date(day),
        currency=str(closing.amount.currency or statement.currency or "").upper()[:3],
        balance_start=Decimal(opening.amount.amount), balance_end=Decimal(closing.amount.amount),
        account_iban=compact_iban(account.split("/")[-1]), lines=lines,
    )  # fmt: skip


def _count(text: str, tag: str) -> int:
    return len(re.findall(rf"^{re.escape(tag)}[FM]:", text, re.MULTILINE))


def _plain_date(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, day.month, day.day)


def _mt940_line(n: int, data: dict[str, Any], account: str, name: str) -> ParsedLine:
    amount = data.get("amount")
    day = data.get("entry_date") or data.get("date")
    if amount is None or day is None:
        raise StatementFileError(_("Transaction %(n)s of the statement has no amount or date.") % {"n": n})
    details = str(data.get("transaction_details") or "").replace("\n", " ").strip()
    purpose = _joined(data.get("purpose"))
    customer = str(data.get("customer_reference") or "").strip()
    bank = str(data.get("bank_reference") or "").strip()
    iban = _joined(data.get("applicant_iban")) or _joined(data.get("gvc_applicant_iban"))
    if not iban:
        iban = _iban_in(details)
    reference = (
        customer if customer.upper() not in ("", "NONREF") else _joined(data.get("end_to_end_reference"))
    )
    narration = " ".join(_unique([purpose, details, str(data.get("extra_details") or "").strip()]))
    return ParsedLine(
        date=_plain_date(day), value_date=_plain_date(data["date"]) if data.get("date") else None,
        amount=Decimal(amount.amount), counterparty_name=_joined(data.get("applicant_name"))[:200],
        counterparty_iban=compact_iban(iban), reference=reference[:200], narration=narration,
        import_id=(bank or f"{account}/{name}/{n}")[:128],
    )  # fmt: skip


def _joined(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v).strip() for v in value if v)
    return str(value).strip()


_IBAN_LIKE = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30})\b")


def _iban_in(text: str) -> str:
    """The first valid IBAN written in free text (some banks put the counterparty's there)."""
    for candidate in _IBAN_LIKE.findall(text.upper()):
        if valid_iban(candidate):
            return candidate
    return ""


# --- IBANs ---------------------------------------------------------------------------------


def compact_iban(raw: str) -> str:
    """An IBAN (or a bank's account number) without spaces, upper case; a valid IBAN as schwifty
    writes it. An account number that is not an IBAN is kept, so it can still be compared."""
    value = re.sub(r"[\s-]", "", raw or "").upper()[:34]
    if not value:
        return ""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(value).compact)
    except (SchwiftyException, ValueError):
        return value


def valid_iban(raw: str) -> bool:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(re.sub(r"\s", "", raw))
    except (SchwiftyException, ValueError):
        return False
    return True
