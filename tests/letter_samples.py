"""Letters rendered by the tests themselves: one anonymised, real-looking layout per kind, drawn with Pillow.

No real letter may enter the repository, so the tests and bench/letters.py draw their own: the
texts follow the layouts these senders use (letterhead, address window, place and date, subject,
body, instructions on remedies), with invented names and addresses. `render` draws one in a given
look: a clean scan in one of several fonts, or a phone photo (slight rotation, uneven light, blur,
noise and JPEG compression). Each sample carries what the reader must find in it.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONTS = ("DejaVuSans.ttf", "LiberationSerif-Regular.ttf", "LiberationSans-Regular.ttf", "DejaVuSerif.ttf")
LOOKS = ("scan", "phone")


@dataclass(frozen=True)
class Sample:
    kind: str
    lines: tuple[str, ...]
    letter_date: dt.date | None
    amounts: tuple[Decimal, ...] = ()
    end_date: dt.date | None = None
    remedy: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


SAMPLES: dict[str, Sample] = {
    "dismissal": Sample(
        "dismissal",
        (
            "Bäckerei Sonnenschein GmbH - Lindenstraße 12 - 30159 Hannover",
            "",
            "Herrn",
            "Ahmad Karimi",
            "Am Markt 4",
            "30161 Hannover",
            "",
            "                                        Hannover, 03.11.2026",
            "",
            "Kündigung Ihres Arbeitsverhältnisses",
            "",
            "Sehr geehrter Herr Karimi,",
            "",
            "hiermit kündigen wir das mit Ihnen bestehende Arbeitsverhältnis",
            "ordentlich und fristgerecht zum 30.11.2026, hilfsweise zum",
            "nächstmöglichen Zeitpunkt.",
            "",
            "Wir weisen Sie darauf hin, dass Sie sich unverzüglich bei der",
            "Agentur für Arbeit arbeitsuchend melden müssen.",
            "Ihr restlicher Urlaub wird mit der letzten Abrechnung ausgezahlt.",
            "",
            "Mit freundlichen Grüßen",
            "Petra Sonnenschein, Geschäftsführerin",
        ),
        dt.date(2026, 11, 3),
        end_date=dt.date(2026, 11, 30),
    ),
    "termination_agreement": Sample(
        "termination_agreement",
        (
            "Aufhebungsvertrag",
            "",
            "zwischen der Gebäudereinigung Blitzblank GmbH, Podbielskistraße 80,",
            "30177 Hannover (Arbeitgeber)",
            "und Frau Olena Kovalenko, Vahrenwalder Straße 7, 30165 Hannover",
            "(Arbeitnehmerin)",
            "",
            "1. Die Parteien sind sich einig, dass das Arbeitsverhältnis im",
            "gegenseitigen Einvernehmen mit Ablauf des 31.12.2026 endet.",
            "2. Die Arbeitnehmerin erhält eine Abfindung in Höhe von",
            "2.500,00 EUR brutto.",
            "3. Der restliche Urlaub wird bis zum Ende gewährt.",
            "4. Die Arbeitnehmerin wurde auf mögliche Nachteile beim",
            "Arbeitslosengeld (Sperrzeit) hingewiesen.",
            "",
            "Hannover, den 10.11.2026",
            "",
            "Arbeitgeber                         Arbeitnehmerin",
        ),
        dt.date(2026, 11, 10),
        amounts=(Decimal("2500.00"),),
        end_date=dt.date(2026, 12, 31),
    ),
    "warning": Sample(
        "warning",
        (
            "Spedition Nordlicht GmbH & Co. KG - Hafenstraße 3 - 26122 Oldenburg",
            "",
            "Herrn Mehmet Yilmaz",
            "Donnerschweer Straße 21",
            "26123 Oldenburg",
            "                                        Oldenburg, 02.11.2026",
            "",
            "Abmahnung",
            "",
            "Sehr geehrter Herr Yilmaz,",
            "",
            "am 28.10.2026 sind Sie ohne Entschuldigung nicht zur Arbeit",
            "erschienen. Damit haben Sie Ihre Pflichten aus dem Arbeitsvertrag",
            "verletzt. Wir mahnen Sie hiermit ab und fordern Sie auf, künftig",
            "pünktlich zur Arbeit zu erscheinen.",
            "Im Wiederholungsfall müssen Sie mit arbeitsrechtlichen",
            "Konsequenzen bis hin zur Kündigung rechnen.",
            "",
            "Mit freundlichen Grüßen",
            "Personalabteilung",
        ),
        dt.date(2026, 11, 2),
    ),
    "payslip": Sample(
        "payslip",
        (
            "Gartenbau Grünland GmbH",
            "Verdienstabrechnung Oktober 2026",
            "",
            "Personal-Nr. 1047          Abrechnungsdatum 31.10.2026",
            "Name: Ana Popescu          Steuerklasse 1",
            "Eintritt 01.04.2025        Krankenkasse AOK Niedersachsen",
            "",
            "Bezeichnung                 Menge        Betrag",
            "Stundenlohn                 160,00       2.208,00",
            "Gesamtbrutto                             2.208,00 €",
            "Lohnsteuer                                 155,41 €",
            "Krankenversicherung                        180,05 €",
            "Rentenversicherung                         205,34 €",
            "Arbeitslosenversicherung                    28,70 €",
            "Pflegeversicherung                          39,74 €",
            "Nettoverdienst                           1.598,76 €",
            "Abzug Unterkunft                           250,00 €",
            "Auszahlungsbetrag                        1.348,76 €",
        ),
        dt.date(2026, 10, 31),
        amounts=(Decimal("2208.00"), Decimal("1598.76"), Decimal("1348.76")),
    ),
    "employment_contract": Sample(
        "employment_contract",
        (
            "Arbeitsvertrag",
            "",
            "zwischen Hotel Am See GmbH, Seestraße 1, 31515 Wunstorf",
            "- nachfolgend Arbeitgeber -",
            "und Herrn Yusuf Haddad, geboren am 14.02.1994",
            "- nachfolgend Arbeitnehmer -",
            "",
            "§ 1 Beginn: Das Arbeitsverhältnis beginnt am 01.12.2026.",
            "§ 2 Probezeit: Die ersten sechs Monate gelten als Probezeit.",
            "Während der Probezeit kann das Arbeitsverhältnis mit einer",
            "Frist von zwei Wochen gekündigt werden.",
            "§ 3 Vergütung: Der Arbeitnehmer erhält einen Stundenlohn",
            "von 14,60 € brutto.",
            "§ 4 Arbeitszeit: 40 Stunden pro Woche.",
            "§ 5 Urlaub: 24 Werktage im Kalenderjahr.",
            "§ 6 Es gelten die gesetzlichen Kündigungsfristen.",
            "",
            "Wunstorf, 20.11.2026",
            "",
            "Arbeitgeber                         Arbeitnehmer",
        ),
        dt.date(2026, 11, 20),
        amounts=(Decimal("14.60"),),
    ),
    "jobcenter": Sample(
        "jobcenter",
        (
            "Jobcenter Region Hannover - Vahrenwalder Straße 245 - 30179 Hannover",
            "",
            "Frau Amina Yusuf                 Datum: 05.11.2026",
            "Lister Meile 30                  BG-Nummer: 24201//0012345",
            "30161 Hannover",
            "",
            "Bescheid",
            "über Leistungen zur Sicherung des Lebensunterhalts",
            "nach dem Zweiten Buch Sozialgesetzbuch (SGB II) - Bürgergeld",
            "",
            "Sehr geehrte Frau Yusuf,",
            "für die Zeit vom 01.12.2026 bis 30.11.2027 werden Ihnen",
            "Leistungen in Höhe von monatlich 563,00 € bewilligt.",
            "",
            "Rechtsbehelfsbelehrung",
            "Gegen diesen Bescheid kann innerhalb eines Monats nach",
            "Bekanntgabe Widerspruch erhoben werden. Der Widerspruch ist",
            "schriftlich oder zur Niederschrift beim Jobcenter einzulegen.",
        ),
        dt.date(2026, 11, 5),
        amounts=(Decimal("563.00"),),
        remedy="widerspruch",
    ),
    "employment_agency": Sample(
        "employment_agency",
        (
            "Agentur für Arbeit Braunschweig-Goslar",
            "Cyriaksring 10 - 38118 Braunschweig",
            "",
            "Herrn Piotr Nowak                Datum 06.11.2026",
            "Wilhelmstraße 5                  Kundennummer 123D456789",
            "38100 Braunschweig",
            "",
            "Bescheid über Arbeitslosengeld",
            "",
            "Sehr geehrter Herr Nowak,",
            "Sie erhalten ab 02.11.2026 Arbeitslosengeld nach dem",
            "Dritten Buch Sozialgesetzbuch (SGB III).",
            "Der tägliche Leistungsbetrag beträgt 41,27 €.",
            "Wegen einer Sperrzeit ruht der Anspruch vom 02.11.2026",
            "bis 07.12.2026.",
            "",
            "Rechtsbehelfsbelehrung",
            "Gegen diesen Bescheid kann innerhalb eines Monats nach",
            "Bekanntgabe Widerspruch bei der Agentur für Arbeit erhoben werden.",
        ),
        dt.date(2026, 11, 6),
        amounts=(Decimal("41.27"),),
        remedy="widerspruch",
    ),
    "family_benefits": Sample(
        "family_benefits",
        (
            "Familienkasse Niedersachsen-Bremen",
            "30147 Hannover",
            "",
            "Frau Fatima Rahimi               Datum: 04.11.2026",
            "Celler Straße 12                 Kindergeld-Nr. 235FK123456",
            "30161 Hannover",
            "",
            "Bescheid",
            "Aufhebung der Festsetzung des Kindergeldes",
            "",
            "Die Festsetzung des Kindergeldes für Ihr Kind Sara wird ab",
            "September 2026 aufgehoben. Das für die Zeit von September 2026",
            "bis Oktober 2026 gezahlte Kindergeld in Höhe von 510,00 €",
            "ist zu erstatten.",
            "",
            "Rechtsbehelfsbelehrung",
            "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner",
            "Bekanntgabe Einspruch bei der Familienkasse eingelegt werden.",
        ),
        dt.date(2026, 11, 4),
        amounts=(Decimal("510.00"),),
        remedy="einspruch",
    ),
    "immigration_office": Sample(
        "immigration_office",
        (
            "Landeshauptstadt Hannover - Ausländerbehörde",
            "Am Schützenplatz 1 - 30169 Hannover",
            "",
            "Herrn Tesfaye Bekele                 Hannover, 09.11.2026",
            "Göttinger Straße 40",
            "30449 Hannover",
            "",
            "Bescheid",
            "Ablehnung Ihres Antrags auf Verlängerung der Aufenthaltserlaubnis",
            "",
            "Ihr Antrag vom 15.08.2026 auf Verlängerung Ihrer",
            "Aufenthaltserlaubnis nach § 18a Aufenthaltsgesetz wird abgelehnt.",
            "Sie sind verpflichtet, das Bundesgebiet bis zum 31.12.2026 zu",
            "verlassen.",
            "",
            "Rechtsbehelfsbelehrung",
            "Gegen diesen Bescheid kann innerhalb eines Monats nach",
            "Bekanntgabe Klage beim Verwaltungsgericht Hannover erhoben werden.",
        ),
        dt.date(2026, 11, 9),
        remedy="klage",
    ),
    "unknown": Sample(
        "unknown",
        (
            "Stadtwerke Mittelweser - Postfach 12 34 - 31582 Nienburg",
            "",
            "Herrn Ali Hassan",
            "Verdener Straße 3",
            "31582 Nienburg                    Nienburg, 12.11.2026",
            "",
            "Ihre Jahresrechnung Strom",
            "",
            "Sehr geehrter Herr Hassan,",
            "Ihr Verbrauch im Abrechnungszeitraum betrug 1.840 kWh.",
            "Der neue monatliche Abschlag beträgt 62,00 €.",
            "Bitte überweisen Sie den offenen Betrag von 84,20 € bis",
            "zum 30.11.2026.",
            "",
            "Mit freundlichen Grüßen",
            "Ihr Kundenservice",
        ),
        dt.date(2026, 11, 12),
        amounts=(Decimal("62.00"), Decimal("84.20")),
    ),
}
KINDS = tuple(SAMPLES)


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    raise FileNotFoundError(f"font {name} missing: apt-get install fonts-dejavu-core fonts-liberation")


def draw(sample: Sample, font: str = FONTS[0], width: int = 1240) -> Image.Image:
    """The letter on white A4 paper at about 150 dpi (an A4 page is 1240 x 1754 pixels there)."""
    height = int(width * 1.414)
    page = Image.new("L", (width, height), 255)
    pen = ImageDraw.Draw(page)
    size = width // 48
    face = _font(font, size)
    y = width // 12
    for line in sample.lines:
        pen.text((width // 11, y), line, font=face, fill=20)
        y += int(size * 1.5)
    return page


def phone_photo(page: Image.Image, rng: random.Random) -> Image.Image:
    """How a phone sees the page on a table: a little turned, lit from one side, soft, grainy, JPEG-compressed."""
    angle = rng.uniform(-2.5, 2.5)
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=150)
    w, h = turned.size
    light = Image.linear_gradient("L").resize((w, h)).rotate(rng.choice((0, 90, 180, 270))).resize((w, h))
    shaded = Image.blend(turned, Image.eval(light, lambda v: 255 - v // 4), 0.25)
    # grain from the seeded generator, not Image.effect_noise: that draws from C's global rand(), so a phone photo
    # depended on every image drawn before it in the process and a test or bench read could not be repeated alone
    grain = np.random.default_rng(rng.getrandbits(32)).normal(128.0, rng.uniform(20, 40), (h, w))
    noisy = Image.blend(shaded, Image.fromarray(np.clip(grain, 0, 255).astype(np.uint8), "L"), 0.12)
    soft = noisy.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    buffer = io.BytesIO()
    soft.convert("RGB").save(buffer, "JPEG", quality=rng.randint(55, 75))
    return Image.open(io.BytesIO(buffer.getvalue()))


def render(kind: str, *, font: str = FONTS[0], look: str = "scan", seed: int = 0, fmt: str = "PNG") -> bytes:
    """One sample letter as image bytes (PNG or JPEG) in the given font and look."""
    page = draw(SAMPLES[kind], font)
    if look == "phone":
        page = phone_photo(page, random.Random(seed))
    elif look == "scan" and seed:  # a scan that went in a little crooked
        page = page.rotate(random.Random(seed).uniform(-1.0, 1.0), fillcolor=255, resample=Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def render_pdf(kind: str, *, font: str = FONTS[0]) -> bytes:
    """A scanned letter as a one-page PDF with no text layer (the reader must OCR its page)."""
    buffer = io.BytesIO()
    draw(SAMPLES[kind], font).convert("RGB").save(buffer, "PDF", resolution=150)
    return buffer.getvalue()
