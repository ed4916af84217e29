"""Reading bank statement files: CAMT.053 and MT940 samples as banks send them, the format told
by the content, and hostile or broken files refused with a clear message (never parsed into
something, never a crash): XXE, billion laughs, a file too large, a wrong encoding, binary
data, an XML file that is not a statement, a statement that does not add up."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tandem.accounting.services import statement_files as files
from tandem.accounting.services.statement_files import CsvStatementFile, StatementFileError, parse_statement

FILES = Path(__file__).parent / "files"
D = Decimal


def _read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def test_a_camt053_statement_is_read_with_its_balances_and_booked_entries() -> None:
    parsed = parse_statement(_read("statement.camt053.xml"))
    assert parsed.format == "camt053" and parsed.name == "2026-054"
    assert parsed.date == datetime.date(2026, 3, 20) and parsed.currency == "EUR"
    assert parsed.account_iban == "DE89370400440532013000"
    assert (parsed.balance_start, parsed.balance_end) == (D("1000.00"), D("1205.10"))
    assert [line.amount for line in parsed.lines] == [
        D("120.00"),
        D("40.00"),
        D("-4.90"),
        D("30.00"),
        D("20.00"),
    ]
    first, second, fee, batch_a, batch_b = parsed.lines
    assert (
        first.counterparty_name == "Kowalski sp. z o.o."
        and first.counterparty_iban == "GB82WEST12345698765432"
    )
    assert "INV/2026/00001" in first.narration and first.import_id == "20260320-000101"
    assert first.reference == ""  # NOTPROVIDED is no reference
    assert second.counterparty_iban == "GB82WEST12345698765432"  # spaces taken out
    assert second.reference == "E2E-KOW-7781" and "rest next month" in second.narration
    assert fee.narration == "Account maintenance fee March" and fee.counterparty_name == ""
    # a batch: one bank entry, two transactions, each with its own id
    assert (batch_a.import_id, batch_b.import_id) == ("20260320-000104", "20260320-000104/2")
    assert (batch_a.counterparty_name, batch_b.counterparty_name) == ("Meble Nowak", "Jan Kowalski")
    assert all(
        line.date == datetime.date(2026, 3, 20) for line in parsed.lines
    )  # the pending one is left out


def test_an_mt940_statement_is_read_with_structured_and_free_details() -> None:
    parsed = parse_statement(_read("statement.mt940"))
    assert parsed.format == "mt940" and parsed.currency == "EUR"
    assert parsed.account_iban == "DE89370400440532013000" and parsed.date == datetime.date(2026, 3, 20)
    assert (parsed.balance_start, parsed.balance_end) == (D("1000.00"), D("1165.10"))
    assert [line.amount for line in parsed.lines] == [D("120.00"), D("50.00"), D("-4.90")]
    first, second, fee = parsed.lines
    assert first.reference == "INV202600001" and first.import_id == "20260320-0001"
    assert first.counterparty_iban == "GB82WEST12345698765432"  # found in the free text
    assert "INV/2026/00001" in first.narration
    assert second.counterparty_name == "Kowalski sp. z o.o."
    assert second.counterparty_iban == "GB82WEST12345698765432" and "INV-2026-00002" in second.narration
    assert fee.amount < 0 and fee.reference == ""


def test_the_format_is_told_by_the_content_not_the_name() -> None:
    assert files.detect(_read("statement.mt940")) == "mt940"
    assert files.detect(b"\xef\xbb\xbf  " + _read("statement.camt053.xml")) == "camt053"
    assert files.detect(b"date;amount;details\n2026-03-20;12,50;x\n2026-03-21;-3,00;y\n") == "csv"


def test_a_csv_file_is_sent_to_the_import_with_its_column_mapping() -> None:
    with pytest.raises(CsvStatementFile, match="Import"):
        parse_statement(b"Date,Amount,Details,IBAN\n2026-03-20,12.50,Invoice 1,\n2026-03-21,-3.00,Fee,\n")


def test_a_statement_that_does_not_add_up_is_refused() -> None:
    broken = _read("statement.camt053.xml").replace(b"1205.10", b"1205.00")
    with pytest.raises(StatementFileError, match=r"does not add up.*1205\.10.*1205\.00"):
        parse_statement(broken)
    broken = _read("statement.mt940").replace(b":62F:C260320EUR1165,10", b":62F:C260320EUR1165,11")
    with pytest.raises(StatementFileError, match="does not add up"):
        parse_statement(broken)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&secret;</Id>
</Stmt></BkToCstmrStmt></Document>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol4;</Id>
</Stmt></BkToCstmrStmt></Document>"""

LATIN1_IN_UTF8 = _read("statement.camt053.xml").replace(
    b"Kowalski sp. z o.o.", "Müller Straße".encode("latin-1")
)
PAIN001 = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>'
BROKEN_MT940 = b":20:REF\n:25:X\n:60F:C260319EUR1000,00\n:61:garbage\n:62F:C260320EUR1000,00\n"
TWO_STATEMENTS = _read("statement.camt053.xml").replace(b"</Stmt>", b"</Stmt><Stmt><Id>2</Id></Stmt>")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (XXE, "DTD"),
        (LAUGHS, "DTD"),
        (b"<?xml version='1.0'?><Document><unclosed>", "malformed"),
        (LATIN1_IN_UTF8, "encoding"),
        (PAIN001, "not a CAMT.053"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "format"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "format"),
        (b"", "empty"),
        (b"Dear customer, your statement is attached.", "format"),
        (BROKEN_MT940, "transactions|malformed"),
        (TWO_STATEMENTS, "2 statements"),
    ],
    ids=["xxe", "billion-laughs", "malformed-xml", "wrong-encoding", "other-xml", "binary", "pdf", "empty",
         "text", "broken-mt940", "two-statements"],
)  # fmt: skip
def test_hostile_and_broken_files_are_refused_with_a_clear_message(content: bytes, message: str) -> None:
    with pytest.raises(StatementFileError, match=message):
        parse_statement(content)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings: pytest.FixtureRequest) -> None:
    settings.TANDEM_BANK_FILE_MAX_BYTES = 2048  # type: ignore[attr-defined]
    huge = _read("statement.camt053.xml").replace(b"<AddtlNtryInf>", b"<AddtlNtryInf>" + b"x" * 4096)
    with pytest.raises(StatementFileError, match="larger than"):
        parse_statement(huge)

    class Upload:
        size = 10**9

        def read(self, size: int = -1) -> bytes:
            raise AssertionError("a file announced as too large is not read")

    with pytest.raises(StatementFileError, match="larger than"):
        parse_statement(Upload())


def test_ibans_are_compacted_and_validated_with_schwifty() -> None:
    assert files.compact_iban(" gb82 west 1234 5698 7654 32 ") == "GB82WEST12345698765432"
    assert files.valid_iban("SI56 1910 0000 0123 438") and not files.valid_iban("SI56191000000123439")
    assert files.compact_iban("0123-4567") == "01234567"  # a local account number is kept, compacted
