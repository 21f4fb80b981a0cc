"""Spelling rules that tell close languages of one script apart where lingua cannot or does not.

Why rules and not statistics: each of these differences is a fact of the written language, stable
across writers and topics, and lingua either does not know one of the pair (Nepali, Amharic, Tigrinya,
Uzbek) or weighs letter statistics that the pair shares (Serbian, Bosnian and Croatian are one
language in three standards; Bulgarian and Russian share most words). So the rules only ever choose
between languages the script has already narrowed down to, and say nothing (None) without evidence.
"""

from __future__ import annotations

import re

# The letters beyond a-z each Latin-script language lingua chooses from writes. German's are everyone's:
# German words sit inside every other language here. English borrows French accents (café, naïve).
_GERMAN = "äöüßÄÖÜ"
LATIN_ALPHABETS: dict[str, str] = {
    "de": "",
    "en": "àâçéèêïîôœû",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "tr": "çğıöşüâîû",
    "es": "áéíñóúü",
    "it": "àèéìíîòóùú",
    "pt": "áâãàçéêíóôõú",
    "pl": "ąćęłńóśźż",
    "ro": "ăâîșțşţ",
    "sq": "çë",
    "bs": "čćđšž",
    "hr": "čćđšž",
    "sr": "čćđšž",
    "nl": "áéèëíïóöúü",
    "vi": "àáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
}


def spellable(lang: str, text: str) -> bool:
    """Whether `lang` writes the accented Latin letters of `text` (unknown languages: yes).

    Lingua's low-accuracy mode weighs trigrams only and called "gazda mi ne plaća već dva meseca" Turkish;
    a language without ć and ž cannot have written it. One stray letter is forgiven (a name, "le bòs").
    """
    alphabet = LATIN_ALPHABETS.get(lang)
    if alphabet is None:
        return True
    own = set(alphabet) | set(_GERMAN.casefold())
    foreign = [c for c in text.casefold() if c.isalpha() and not "a" <= c <= "z" and c not in own]
    return len(foreign) < 2


# Cyrillic letters of one language or a small group, checked in this order (after Kazakh, Kyrgyz and Mongolian,
# below). Uzbek and Tajik come before Ukrainian and Belarusian because they write і or ў too.
CYRILLIC_LETTERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("tg", frozenset("ҷӣӯҶӢӮ")),
    ("uz", frozenset("қғҳҚҒҲ")),
    ("be", frozenset("ўЎ")),
    ("uk", frozenset("іїєґІЇЄҐ")),
    ("sr", frozenset("ђћЂЋ")),
    ("mk", frozenset("ѓќѕЃЌЅ")),
    ("ru", frozenset("ыэёЫЭЁ")),
)
# Bulgarian writes ъ as a vowel (съм, път, шефът); Russian only as a hard sign before е, ё, ю, я.
BULGARIAN_HARD_SIGN = re.compile(r"[ъЪ](?![еёюяЕЁЮЯ])")
# Ukrainian writes an apostrophe where Russian writes ъ or ь (м'ясо, п'ять, сім'я).
UKRAINIAN_APOSTROPHE = re.compile(r"[бвмпфрБВМПФР]['’ʼ][яюєїЯЮЄЇ]")


# Kazakh, Kyrgyz and Mongolian share ө and ү; Kazakh and Kyrgyz share ң. Kazakh alone writes ә, ұ, һ (above) and
# қ, ғ beside і; Kyrgyz writes ң and no Kazakh letter; Mongolian writes neither ң nor a Kazakh letter. Where a short
# message has only ө or ү, its commonest words decide between Kyrgyz and Mongolian.
_KAZAKH = frozenset("әұһӘҰҺ")
_KAZAKH_WITH_I = (frozenset("қғҚҒ"), frozenset("іІ"))
_KYRGYZ_ENG = frozenset("ңҢ")
_ROUND_VOWELS = frozenset("өүӨҮ")
_KYRGYZ_WORDS = frozenset(
    [
        "жок",
        "жана",
        "эмне",
        "менин",
        "мен",
        "сен",
        "керек",
        "бар",
        "иш",
        "акча",
        "эмес",
        "болот",
        "кантип",
        "үчүн",
        "менен",
        "бизге",
        "мага",
        "айлык",
        "кожоюн",
        "бул",
        "биз",
        "мени",
        "бирок",
        "эч",
        "кайсы",
        "же",
        "өзүм",
    ]
)
_KYRGYZ_ONLY_WORDS = frozenset(
    ["жок", "жана", "эмне", "менин", "кантип", "бирок", "эмес", "болот", "кылсам", "акча", "айлык", "кожоюн", "мага"]
)
# Kyrgyz question particles and genitives written onto the word (керекпи, барбы, жардамдын); Mongolian writes its
# question particles apart (уу, үү, вэ).
_KYRGYZ_ENDING = re.compile(r"\w{2,}(бы|би|бу|бү|пы|пи|пу|пү|дын|дин|дун|дүн|тын|тин)$")
_MONGOLIAN_WORDS = frozenset(
    [
        "байна",
        "байгаа",
        "юу",
        "бол",
        "миний",
        "надад",
        "гэж",
        "ажил",
        "цалин",
        "юм",
        "вэ",
        "уу",
        "үү",
        "байх",
        "хийх",
        "та",
        "би",
        "энэ",
        "ямар",
        "дарга",
        "мөнгө",
    ]
)


def _turkic_or_mongolian(text: str, letters: set[str]) -> str | None:
    """Kazakh, Kyrgyz or Mongolian, or None; asked before the table, whose Uzbek and Tajik share қ and ғ."""
    if letters & _KAZAKH or (letters & _KAZAKH_WITH_I[0] and letters & _KAZAKH_WITH_I[1]):
        return "kk"
    if letters & _KYRGYZ_ENG:
        return "ky"
    words = re.findall(r"\w+", text.casefold())
    if not letters & _ROUND_VOWELS:
        # no letter of its own: two words no Russian sentence has ("эмне кылсам", "айлык бербей")
        return "ky" if sum(w in _KYRGYZ_ONLY_WORDS for w in words) >= 2 else None
    kyrgyz = sum(w in _KYRGYZ_WORDS or bool(_KYRGYZ_ENDING.search(w)) for w in words)
    mongolian = sum(w in _MONGOLIAN_WORDS for w in words)
    return "ky" if kyrgyz > mongolian else "mn"


def cyrillic(text: str) -> str | None:
    """The language a Cyrillic text's spelling names, or None (lingua decides)."""
    letters = set(text)
    if BULGARIAN_HARD_SIGN.search(text) and not letters & CYRILLIC_LETTERS[-1][1]:
        return "bg"
    if central := _turkic_or_mongolian(text, letters):
        return central
    for lang, marks in CYRILLIC_LETTERS:
        if letters & marks:
            return "tg" if lang == "uz" and _tajik_words(text, letters) else lang
    return "uk" if UKRAINIAN_APOSTROPHE.search(text) else None


# Tajik shares қ, ғ and ҳ with Uzbek; Uzbek writes ў in almost every sentence, Tajik never, and Tajik's commonest
# words are Persian ones.
_TAJIK_WORDS = frozenset(
    ["ман", "дар", "ба", "ки", "аст", "оё", "ҳам", "бо", "барои", "мо", "шумо", "не", "чанд", "ё", "агар", "баъд"]
)


def _tajik_words(text: str, letters: set[str]) -> bool:
    return not letters & frozenset("ўЎ") and sum(w in _TAJIK_WORDS for w in re.findall(r"\w+", text.casefold())) >= 2


# Tigrinya writes a word-initial "a" as ኣ and has the ቐ and ኸ series; Amharic writes አ and has neither.
_TIGRINYA = re.compile("[\u12a3\u1250-\u125d\u12b8-\u12c5]")
_AMHARIC = re.compile("\u12a0")


def ethiopic(text: str) -> str:
    """Amharic or Tigrinya; Tigrinya when the letters do not tell (as before this rule)."""
    return "am" if len(_AMHARIC.findall(text)) > len(_TIGRINYA.findall(text)) else "ti"


# The commonest function words and verb endings of Nepali and Hindi in Devanagari.
_NEPALI_WORDS = frozenset(
    ["छ", "छु", "छन्", "छौं", "छैन", "हो", "होइन", "लाई", "मा", "पनि", "र", "म", "मेरो", "मलाई", "तपाईं", "हुन्छ", "भयो", "गर्न"]
)
_NEPALI_ENDING = re.compile(r"(छु|छन्|छौं|छैन|न्छ|र्छ|र्छु|दैन|लाई)$")
_HINDI_WORDS = frozenset(
    ["है", "हैं", "में", "नहीं", "मैं", "और", "की", "से", "था", "थी", "हूँ", "हूं", "भी", "कि", "मुझे", "क्या", "रहा", "रही"]
)


def devanagari(text: str) -> str:
    """Nepali or Hindi (lingua knows no Nepali); Hindi when the words do not tell."""
    words = re.findall(r"[\u0900-\u0963\u0966-\u097f]+", text)
    nepali = sum(w in _NEPALI_WORDS or bool(_NEPALI_ENDING.search(w)) for w in words)
    hindi = sum(w in _HINDI_WORDS for w in words)
    return "ne" if nepali > hindi else "hi"


# Serbian, Bosnian and Croatian in Latin letters. The old yat vowel is "e" in Serbian (ekavian: vreme,
# dete, gde, lekar) and "ije"/"je" in Bosnian and Croatian (ijekavian: vrijeme, dijete, gdje, ljekar);
# Croatian has words of its own (tko, tjedan, kruh, tisuća, month names).
_EKAVIAN = re.compile(
    r"\b(vrem[eaeu]\w*|dec[aeiou]\b|dete\w*|deteta|mest[aoeu]\w*|mesec\w*|reč\w*|lep[aeiou]?\b|lepo\w*|mlek\w*"
    r"|sme(m|š|s|mo|te|ju|o)?\b|smeo\b|gde\b|ovde\b|nemač\w*|nemac\w*|devojk\w*|cen[aeiu]\b"
    r"|razumem\w*|primet\w*|uvek\b|nedelj\w*|ponedelj\w*|hteo\b|htel[aei]\b|videt\w*|smešt\w*"
    r"|smest\w*|čovek\w*|covek\w*|pobed\w*|posle\b|pre\b|bel[aeoi]\b|zvezd\w*|lekar\w*|lek\b|leka\b"
    r"|reš\w*|resi\w*|resen\w*|veroval\w*|verovatn\w*|oseć\w*|osec\w*|hleb\w*|sneg\w*|leto\b|mera\b)",
    re.IGNORECASE,
)
_IJEKAVIAN = re.compile(
    r"\b(vrijem\w*|djec\w*|dijet\w*|mjest\w*|mjesec\w*|riječ\w*|rijec\w*|lijep\w*|mlijek\w*|smij(em|eš|es|e|emo"
    r"|ete|u)\b|smio\b|gdje\b|ovdje\b|njemač\w*|njemac\w*|djevoj\w*|cijen\w*|razumijem\w*|primijet\w*|uvijek\b"
    r"|nedjelj\w*|ponedjelj\w*|htio\b|htjel\w*|vidjet\w*|smješt\w*|smjest\w*|čovjek\w*|covjek\w*"
    r"|pobijed\w*|poslije\b|prije\b|bijel\w*|zvijezd\w*|ljekar\w*|lijek\w*|liječ\w*|lijec\w*|rješ\w*|rjes\w*"
    r"|riješ\w*|vjerova\w*|vjerovatn\w*|osjeć\w*|osjec\w*|hljeb\w*|snijeg\w*|ljeto\b|mjer\w*|tjedan\w*)",
    re.IGNORECASE,
)
_CROATIAN = re.compile(
    r"\b(tko|tjedan\w*|tjedn\w*|kruh\w*|tisuć\w*|tisuc\w*|obitelj\w*|kolodvor\w*|zrakoplov\w*|nogomet\w*"
    r"|liječnik\w*|lijecnik\w*|siječ\w*|veljač\w*|ožuj\w*|travanj\w*|svib\w*|lipanj\w*|srpanj\w*|kolovoz\w*"
    r"|rujan\w*|listopad\w*|prosin\w*|ured\w*|glazb\w*)\b",
    re.IGNORECASE,
)
SOUTH_SLAVIC = ("sr", "bs", "hr")


def south_slavic(text: str, guess: str) -> str:
    """Serbian, Bosnian or Croatian for a Latin-script text lingua placed in that group (`guess`).

    Ekavian spelling is Serbian; ijekavian is Croatian with Croatian words, else Bosnian. Without
    either, Croatian words still decide, and otherwise the text is Serbian (the larger group of the
    three among the workers who write to the bot) unless lingua saw Croatian.
    """
    ekavian = len(_EKAVIAN.findall(text))
    ijekavian = len(_IJEKAVIAN.findall(text))
    croatian = bool(_CROATIAN.search(text))
    if ekavian > ijekavian:
        return "sr"
    if ijekavian > ekavian:
        return "hr" if croatian else "bs"
    if croatian:
        return "hr"
    # Serbian asks "da li ...?", Bosnian and Croatian "je li ...?" (spoken "jel").
    if re.search(r"\b(je li|jel)\b", text, re.IGNORECASE) and not re.search(r"\bda li\b", text, re.IGNORECASE):
        return "hr" if guess == "hr" else "bs"
    return "hr" if guess == "hr" and not re.search(r"\b(da li|šta|sta)\b", text, re.IGNORECASE) else "sr"


# Text a message quotes ('Ihre Karte wurde gesperrt', „Kündigung“): usually German from a letter, and
# not the language the person writes in. An apostrophe inside a word (c'est, o'zbek) opens no quote.
_QUOTED = re.compile(r"(?<!\w)(['‘’\"“”„«»‚])[^'‘’\"“”„«»‚\n]{3,}?['‘’\"“”«»‚](?!\w)")


def outside_quotes(text: str, min_words: int = 3) -> str:
    """The text without quoted passages, or the whole text when too little is left outside them."""
    rest = _QUOTED.sub(" ", text)
    return rest if rest != text and len(re.findall(r"[^\W\d_]{2,}", rest)) >= min_words else text
