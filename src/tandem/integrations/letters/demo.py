"""The document templates a company needs on day one: a letter, an offer and a payment reminder,
in every language Tandem ships, written through the templates service (a handful of rows)."""

from __future__ import annotations

from tandem.core.demo import Demo
from tandem.integrations.letters import services
from tandem.integrations.letters.models import DocumentTemplate

_SIGNATURE = "{{ user.name }}\n{{ company.name }} · {{ company.phone }} · {{ company.email }}"
_WHO = "{{ contact.name or partner.name }}"
_PAYMENT = "{{ company.bank_name }}, IBAN {{ company.iban }}, BIC {{ company.bic }}"

# kind → language → (name, subject, body)
TEMPLATES: dict[str, dict[str, tuple[str, str, str]]] = {
    DocumentTemplate.Kind.LETTER: {
        "en": ("Letter", "{{ partner.name }}", f"Dear {_WHO},\n\n\n\nKind regards,\n"),
        "sl": ("Dopis", "{{ partner.name }}", f"Spoštovani {_WHO},\n\n\n\nLep pozdrav,\n"),
        "pl": ("List", "{{ partner.name }}", f"Szanowni Państwo, {_WHO},\n\n\n\nZ poważaniem\n"),
        "ru": ("Письмо", "{{ partner.name }}", f"Уважаемые {_WHO}!\n\n\n\nС уважением,\n"),
        "zh-hans": ("信函", "{{ partner.name }}", f"尊敬的 {_WHO}：\n\n\n\n此致敬礼\n"),
    },
    DocumentTemplate.Kind.OFFER: {
        "en": (
            "Offer",
            "Our offer for {{ partner.name }}",
            "Dear {{ contact.name or partner.name }},\n\nthank you for your enquiry. We are pleased to "
            "offer you the items below; the offer is valid for 30 days from {{ document.date }}.\n\n"
            "We look forward to working with you.\n\nKind regards,\n",
        ),
        "sl": (
            "Ponudba",
            "Ponudba za {{ partner.name }}",
            "Spoštovani {{ contact.name or partner.name }},\n\nzahvaljujemo se vam za povpraševanje. "
            "Z veseljem vam ponujamo spodnje izdelke; ponudba velja 30 dni od {{ document.date }}.\n\n"
            "Veselimo se sodelovanja.\n\nLep pozdrav,\n",
        ),
        "pl": (
            "Oferta",
            "Oferta dla {{ partner.name }}",
            f"Szanowni Państwo, {_WHO},\n\ndziękujemy za zapytanie. Z przyjemnością "
            "przedstawiamy poniższą ofertę, ważną 30 dni od {{ document.date }}.\n\n"
            "Liczymy na owocną współpracę.\n\nZ poważaniem\n",
        ),
        "ru": (
            "Коммерческое предложение",
            "Коммерческое предложение для {{ partner.name }}",
            "Уважаемые {{ contact.name or partner.name }}!\n\nБлагодарим вас за запрос. Предлагаем вам "
            "товары, указанные ниже; предложение действительно 30 дней с {{ document.date }}.\n\n"
            "Будем рады сотрудничеству.\n\nС уважением,\n",
        ),
        "zh-hans": (
            "报价单",
            "致 {{ partner.name }} 的报价",
            "尊敬的 {{ contact.name or partner.name }}：\n\n感谢您的询价。我们很高兴为您提供以下产品，"
            "本报价自 {{ document.date }} 起 30 天内有效。\n\n期待与您合作。\n\n此致敬礼\n",
        ),
    },
    DocumentTemplate.Kind.REMINDER: {
        "en": (
            "Payment reminder",
            "Payment reminder",
            "Dear {{ contact.name or partner.name }},\n\naccording to our books some of your invoices are "
            "past their due date. If you have already paid, please ignore this letter; otherwise please "
            f"transfer the amount due to {_PAYMENT}, quoting the invoice number.\n\nKind regards,\n",
        ),
        "sl": (
            "Opomin",
            "Opomin pred izterjavo",
            "Spoštovani {{ contact.name or partner.name }},\n\npo naših evidencah so nekateri vaši računi "
            "zapadli v plačilo. Če ste jih že plačali, vas prosimo, da ta dopis prezrete; sicer zapadli "
            f"znesek nakažite na {_PAYMENT} in navedite številko računa.\n\nLep pozdrav,\n",
        ),
        "pl": (
            "Przypomnienie o płatności",
            "Przypomnienie o płatności",
            "Szanowni Państwo, {{ contact.name or partner.name }},\n\nwedług naszych ksiąg termin płatności "
            "części faktur już minął. Jeśli płatność została dokonana, prosimy zignorować to pismo; "
            f"w przeciwnym razie prosimy o przelew na {_PAYMENT} z numerem faktury.\n\nZ poważaniem\n",
        ),
        "ru": (
            "Напоминание об оплате",
            "Напоминание об оплате",
            "Уважаемые {{ contact.name or partner.name }}!\n\nПо нашим данным, срок оплаты некоторых "
            "ваших счетов истёк. Если вы уже оплатили их, не обращайте внимания на это письмо; в противном "
            f"случае просим перечислить сумму на {_PAYMENT}, указав номер счёта.\n\nС уважением,\n",
        ),
        "zh-hans": (
            "付款提醒",
            "付款提醒",
            "尊敬的 {{ contact.name or partner.name }}：\n\n根据我们的账目，您的部分发票已逾期。"
            f"如您已付款，请忽略此函；否则请将应付款项汇至 {_PAYMENT}，并注明发票号码。\n\n此致敬礼\n",
        ),
    },
}


def build(demo: Demo) -> dict[str, int]:
    admin = demo.users["admin"]
    count = 0
    for kind, by_language in TEMPLATES.items():
        for language, (name, subject, body) in by_language.items():
            services.create_template(
                demo.company, admin, name=name, kind=kind, language=language,
                subject=subject, body=body + _SIGNATURE,
            )  # fmt: skip
            count += 1
    return {"document_templates": count}
