"""Leads from a file, through the import wizard: new leads under the salesperson each row names,
the same external reference imported again updates instead of adding, bad rows rejected with
their reasons and nothing of them written, and a salesperson's reach kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tandem.core.models import Company, User
from tandem.crm.models import Lead
from tandem.crm.services.leads import create_lead
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tests.kit.imports import uploaded

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(company: Company, actor: User, content: str, mode: str = "all") -> ImportRun:
    run = uploaded(company, actor, spec_key="crm.lead", name="fair.csv", content=content.encode())
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode=mode)


HEADER = "Company;Contact;E-mail;Phone;Budget;Salesperson;Need;Reference\n"


def test_a_fair_list_becomes_leads_and_a_second_import_updates_them(
    company: Company, director: User, salesperson: User
) -> None:
    rows = HEADER + (
        "Hotel Bled;Ana Novak;ana@hotelbled.si;;48000,50;sam;Lobby chairs;F-1\n"
        "Pekarna Kranj;Jure;;+386 4 123 45 67;;;Shop counter;F-2\n"
    )
    run = _import(company, director, rows)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    ana = Lead.objects.get(source_ref="F-1")
    assert ana.source == Lead.Source.IMPORT and ana.owner == salesperson
    assert ana.budget == Decimal("48000.50") and ana.currency_id == company.currency_id
    assert ana.company_name == "Hotel Bled" and ana.email == "ana@hotelbled.si"
    assert Lead.objects.get(source_ref="F-2").phone == "+38641234567"
    again = _import(company, director, HEADER + "Hotel Bled;Ana Novak;;;50000;;Lobby and bar;F-1\n")
    assert again.state == ImportRun.State.DONE, services.outcomes_of(again)
    assert Lead.objects.count() == 2
    ana.refresh_from_db()
    assert ana.budget == Decimal("50000.00") and ana.need == "Lobby and bar" and ana.owner == salesperson


def test_bad_rows_are_rejected_with_their_reason_and_nothing_of_them_is_written(
    company: Company, director: User
) -> None:
    rows = HEADER + (
        "Good one;;;;;;;G-1\n"
        ";;;;;;Nothing to reach them by;G-2\n"
        "Minus;;;;-5;;;G-3\n"
        "Stranger;;;;;nobody@nowhere.test;;G-4\n"
        "Bad mail;;not-an-address;;;;;G-5\n"
    )
    run = _import(company, director, rows, mode="valid")
    assert run.result["rejected"] == 4, services.outcomes_of(run)
    assert list(Lead.objects.values_list("source_ref", flat=True)) == ["G-1"]
    refused = _import(company, director, rows, mode="all")
    assert refused.state != ImportRun.State.DONE or refused.result.get("created", 0) == 0
    assert Lead.objects.count() == 1


def test_a_salesperson_imports_for_themselves_only_and_never_touches_a_colleagues_lead(
    company: Company, salesperson: User, other_salesperson: User
) -> None:
    hers = create_lead(company, other_salesperson, contact_name="Hers", source="import", source_ref="X-1")
    rows = HEADER + "Mine;;;;;;;X-2\nFor Sofia;;;;;sofia;;X-3\nHers again;;;;;;;X-1\n"
    run = _import(company, salesperson, rows, mode="valid")
    assert run.result["rejected"] == 2, services.outcomes_of(run)
    mine = Lead.objects.get(source_ref="X-2")
    assert mine.owner == salesperson
    hers.refresh_from_db()
    assert hers.company_name == "" and not Lead.objects.filter(source_ref="X-3").exists()


# --- deals -----------------------------------------------------------------------------------


def _deals(company: Company, actor: User, content: str) -> ImportRun:
    run = uploaded(company, actor, spec_key="crm.deal", name="deals.csv", content=content.encode())
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode="valid")


DEAL_HEADER = "Deal;Customer;Amount;Stage;Salesperson;Team;Expected close;Source\n"


def test_deals_from_a_file_with_their_team_and_bad_rows_refused(
    company: Company, director: User, salesperson: User, other_salesperson: User, other_company: Company,
    make_partner: Any, pipeline: Any,
) -> None:  # fmt: skip
    from tandem.crm import targets
    from tandem.crm.models import Deal

    north = targets.create_team(company, director, name="North", members=[salesperson, other_salesperson])
    south = targets.create_team(company, director, name="South", members=[other_salesperson])
    targets.create_team(other_company, None, name="Away")
    make_partner("Hotel Bled", actor=salesperson)
    make_partner("Pekarna Kranj", actor=other_salesperson)
    rows = DEAL_HEADER + (
        "Lobby chairs;hotel bled;48000,50;Qualified;sam;;2026-12-31;referral\n"  # Sam's one team: North
        "Shop counter;Pekarna Kranj;1200;;sofia;South;;\n"  # Sofia is in two: South chosen
        "Bar stools;Pekarna Kranj;900;;sofia;;;\n"  # two teams, none chosen: no team
        "Minus;Hotel Bled;-5;;sam;;;\n"
        "Nobody's;Hotel Nowhere;10;;sam;;;\n"
        "Foreign team;Hotel Bled;10;;sam;Away;;\n"  # another company's team is unknown here
        "No stage;Hotel Bled;10;Signed;sam;;;\n"
        "Closed stage;Hotel Bled;10;Won;sam;;;\n"
    )
    # Sam: only his own customers, for himself, in his own team
    own = DEAL_HEADER + "Lobby chairs;hotel bled;1;;sam;;;\nWrong team;Hotel Bled;10;;sam;South;;\n"
    own += "Hers;Pekarna Kranj;10;;sofia;;;\n"
    mine = services.outcomes_of(_deals(company, salesperson, own))
    assert list(Deal.objects.values_list("title", flat=True)) == ["Lobby chairs"]
    assert "Choose a team the salesperson is in" in str(mine) and "No customer you can see" in str(mine)
    Deal.objects.all().delete()
    run = _deals(company, director, rows)
    outcomes = services.outcomes_of(run)
    made = {deal.title: deal for deal in Deal.objects.filter(owner__isnull=False)}
    assert made["Shop counter"].team == south and made["Bar stools"].team is None
    lobby = Deal.objects.filter(title="Lobby chairs").first()
    assert lobby is not None and lobby.team == north and lobby.stage.name == "Qualified"
    assert lobby.amount == Decimal("48000.50") and lobby.source == "referral"
    refused = {"Minus", "Nobody's", "Foreign team", "No stage", "Closed stage"}
    assert not Deal.objects.filter(title__in=refused).exists()
    text = str(outcomes)
    shown = [dict(detail["values"])["Deal"] for _line, status, detail in outcomes if status == "new"]
    assert shown == ["Lobby chairs", "Shop counter", "Bar stools"]  # each row's own values
    for reason in ("zero or more", "No customer you can see", "No sales team is named", "has no stage",
                   "open stage"):  # fmt: skip
        assert reason in text, (reason, text[:3000])
