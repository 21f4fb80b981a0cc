"""Emergency, handoff and greeting patterns: recall on dangerous situations, no alarm on past events."""

from __future__ import annotations

import pytest

from knowledge.intents import load_rules, normalise
from knowledge.intents.rules import IntentMatch, IntentRules, normalise_pattern


@pytest.fixture(scope="module")
def rules() -> IntentRules:
    return load_rules()


def intents(rules: IntentRules, text: str) -> set[str]:
    return {m.intent for m in rules.match(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Hilfe, mein Vorarbeiter hat mich mit dem Messer bedroht",
        "they took our phones and locked the door of the barrack, we cannot leave",
        "صاحب الشغل ضربني على وجهي وأنا عم ينزف",
        "مدیرمون تهدید کرد میکشمت، خیلی می‌ترسم",
        "нас заперли на складе и не выпускают",
        "мене побили на роботі, тече кров",
        "patron bizi depoya kilitledi",
        "il m'a frappé et je saigne beaucoup",
        "ich will nicht mehr leben",
        "sakkaro 3alayna el bab w ma fina nitla3",
        # written for the patterns of 2026-12-03 (not lines of any evaluation set)
        "mein kollege ist in der halle zusammengebrochen und reagiert nicht",
        "my coworker collapsed and is not responding to us",
        "un collègue a fait un malaise sur le quai, il est par terre",
        "zamili ma 3am yred 3lena ba3d ma w2e3",
        "دوستم زیر پالت له شده، چیکار کنیم",
        "what happens to my savings if i'm gone? i'm tired of everything",
        "تعبت من كلشي، اذا صار لي شي مين بيبعت المصاري لأهلي",
        "der vermieter vom chef steht gerade mit zwei leuten vor meiner wohnung",
        # written for the patterns of 2026-12-05: a stroke now, self-harm again, pills taken, locked in
        "seit einer stunde hängt sein gesicht schief und er spricht ganz verwaschen, der arm ist schwach",
        "моя мама на работе: половина лица перекосилась, говорит странно",
        "je me coupe encore tous les soirs, personne ne le sait",
        "bala3t el 7bob kolha w ma 7ada hon",
        "бригадир замкнув нас у вагончику і поїхав",
        "my friend just collapsed in the cold room, his lips are blue",
        # written for the patterns of 2026-12-05 after heldout-10: threats to the family, bleeding that does not
        # stop, a door locked from outside, forced to be with the boss, a child alone for days, tonight's plans
        "mein chef sagt seine leute besuchen meine familie, er weiß wo ich wohne",
        "cut my hand on the line and the bleeding won't stop",
        "the foreman locks our container door from outside every night",
        "il me bat quand je refuse de travailler le dimanche",
        "bu gece kamyonun onune atlayacagim, artik yeter",
        "бригадир заставляет меня быть с ним после смены",
        "ребенок дома один второй день, а меня с фермы не отпускают",
        "ya ana 7atet el 7bob kolha",
    ],
)
def test_emergencies_are_recognised(rules: IntentRules, text: str) -> None:
    assert "emergency" in intents(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "I fell off a ladder last month, who pays the doctor?",
        "Роботодавець каже, що зарплата буде менша, ніж у договорі",
        "her gün 10 saat çalışıyorum, mola yok",
        "depoda acil çıkış kapıları kilitli, bu yasal mı",
        "wie viele Urlaubstage habe ich im Minijob?",
        "my boss is not responding to my emails about the payslip",
        "le patron ne répond pas à mes messages depuis une semaine",
        "I collapsed at work last month from the heat, now I am fine, do I get paid for the sick days?",
        # written for the idioms of 2026-12-04 (not lines of any evaluation set)
        "what's the number for the ambulance here, and does the employer pay if I get hurt on the line?",
        "c quel numero pour le samu en allemagne? et qui paye si je me blesse au travail",
        "شو رقم الإسعاف بألمانيا؟ واذا تصاوبت بالشغل مين بيدفع",
        "ich habe mir auf der baustelle den kopf gestoßen, шеф каже скажи що вдарився вдома",
        "бригадир всегда говорит убью тебя если ещё раз опоздаешь, а можно ли за опоздание штрафовать?",
        "franchement ce travail dans les serres va me tuer, 11 heures par jour c'est legal?",
        "رفضوا طلب اللجوء تبعي وعندي اسبوعين للطعن بالقرار، بقدر ضل اشتغل؟",  # an appeal, not a stabbing
    ],
)
def test_ordinary_questions_are_not_emergencies(rules: IntentRules, text: str) -> None:
    assert "emergency" not in intents(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "ich möchte bitte mit einem Berater sprechen",
        "can someone call me back",
        "بدي احكي مع موظف حقيقي",
        "لطفا زنگ بزنید",
        "соедините меня с консультантом",
        "передайте мене людині",
        "beni arayabilir misiniz",
        "je voudrais parler à un conseiller",
    ],
)
def test_requests_for_a_person_are_handoffs(rules: IntentRules, text: str) -> None:
    assert "handoff" in intents(rules, text)
    assert not any(m.weak for m in rules.match(text))


@pytest.mark.parametrize(
    "text",
    [
        # written for the weak handoff words of 2026-12-05: the advisor or an appointment named inside a question
        "do your advisors also speak Dari or only German and English?",
        "ich habe einen termin bei der ausländerbehörde, muss ich meinen arbeitsvertrag mitnehmen?",
        "moshaver haye shoma farsi baladan?",
        "المستشار بيشوف رقم تلفوني؟",
        "danismanlariniz avukat mi?",
        "konsultant vidit moy nomer telefona?",
    ],
)
def test_an_advisor_named_in_a_question_is_at_most_a_weak_handoff(rules: IntentRules, text: str) -> None:
    assert all(m.weak for m in rules.match(text) if m.intent == "handoff")


def test_greetings_only_when_little_else_is_said(rules: IntentRules) -> None:
    assert rules.greeting_rest_words("Hallo!") == 0
    assert rules.greeting_rest_words("merhaba, sen kimsin?") == 0
    assert rules.greeting_rest_words("Bonjour, mon patron ne me paie pas depuis deux mois") > 3


def test_normalise_folds_accents_and_letter_variants() -> None:
    assert normalise("Çalışıyorum  ŞEF") == "calisiyorum sef"
    assert normalise("كيف") == normalise("کیف")  # Arabic and Persian kaf/yeh
    assert normalise("йїё") == "йїё"  # Cyrillic letters keep their marks


@pytest.mark.parametrize("typed", ["gehöre", "gehoere", "gehore"])
def test_a_german_pattern_matches_the_umlaut_however_it_is_typed(rules: IntentRules, typed: str) -> None:
    # the pattern is written "ich gehöre (jetzt) ihm"; one written "gehoere" missed "gehöre" (heldout-5, -7)
    matches = rules.match(f"der vorarbeiter sagt ich {typed} jetzt ihm")
    assert [m.subtype for m in matches if m.intent == "emergency"] == ["trafficking"]


def test_an_umlaut_expands_only_outside_a_character_class() -> None:
    assert normalise_pattern("gehöre") == "geh(?:o|oe)re"
    assert normalise_pattern("[äö]x") == "[ao]x"
    assert normalise_pattern(r"\[ü\]") == r"\[(?:u|ue)\]"


@pytest.mark.parametrize(
    "text",
    [
        "diese arbeit bringt mich noch um, wie viele stunden darf ich am tag arbeiten?",
        "mein vorarbeiter bringt mich um wenn ich wieder zu spät komme, darf er mir dafür geld abziehen?",
        "this job is killing me, 11 hours every day, is that legal?",
        "my supervisor will kill me if i call in sick again, do i need a doctor's note?",
        "الشغل في المطبخ عم يقتلني، كم ساعة مسموح؟",
        "این کار داره منو میکشه، اضافه کاری حساب میشه؟",
        "эта работа меня убивает, сколько часов в день можно?",
        "начальник меня убьёт если опоздаю, может он штрафовать?",
        "ця робота мене вбиває, скільки годин можна працювати?",
        "bu is beni oldurecek, fazla mesai ucreti var mi?",
        "ce boulot va me tuer, combien d'heures max par jour ?",
        "mon chef va me tuer si je suis encore en retard, il peut me retenir du salaire ?",
        # written for the idioms of 2026-12-05: work tools, the numbers asked, what an ambulance costs, jokes
        "100 euro abzug für messer und handschuhe, ist das erlaubt?",
        "what number do I call here for the police or the ambulance? 110 or 112?",
        "wie viel kostet ein krankenwagen, wenn man keine versicherung hat?",
        "ce chantier va me tuer, 11h par jour c'est legal ?",
        "bu tempo bizi oldurecek, mola hakkimiz yok mu",
        "эта стройка меня убьёт, сколько часов в день можно?",
        "الخدمة هاذي باش تقتلني، شحال من ساعة مسموح؟",
        "my boss says he will kill me if i take another sick day lol, can he fire me for it?",
        "what's the ambulance number here, I want to save it in my phone before I start at the plant",
        "если вдруг на складе кому-то станет плохо, скорая бесплатная или будут платить?",
    ],
)
def test_idioms_of_violence_are_not_emergencies_on_their_own(rules: IntentRules, text: str) -> None:
    assert "emergency" not in {m.intent for m in rules.match(text)}


@pytest.mark.parametrize(
    "text",
    [
        "this job is killing me and today the boss hit me with a stick",
        "mein chef bringt mich um, er hat ein messer",
        "le patron a dit qu'il va me tuer",
        "шеф сказал что убьёт меня",
        "المدير قال رح يقتلني",
    ],
)
def test_an_idiom_does_not_hide_other_danger_words(rules: IntentRules, text: str) -> None:
    assert "emergency" in {m.intent for m in rules.match(text)}


def _emergency_match(rules: IntentRules, text: str) -> IntentMatch:
    return next(m for m in rules.match(text) if m.intent == "emergency")


@pytest.mark.parametrize(
    "text",
    [
        # written for the resolved cues of 2026-12-04 (not lines of any evaluation set)
        "vor drei wochen hat mich der schichtleiter geschlagen, ich arbeite jetzt woanders. bekomme ich noch meinen lohn?",
        "two weeks ago my supervisor punched me, it's over now, I quit. can he keep my last salary?",
        "il y a un mois le chef m'a menacé avec un couteau, c'est fini, mais il ne paie pas mes heures",
        "месяц назад бригадир ударил меня, сейчас я в безопасности. как получить зарплату за март?",
        "قبل شهر المدير ضربني، هلق انا بخير، بس ما عطاني معاشي",
        "gecen ay ustabasi beni dovdu, simdi iyiyim, maasimi alabilir miyim",
        # written for the healed and home-again cues of 2026-12-05
        "im april hab ich mich mit dem messer verletzt, ist längst verheilt, wer zahlt die arztrechnung?",
        "в марте меня избил бригадир, всё уже зажило, можно ли ещё получить деньги?",
        "пів року тому мене вдарив майстер, зараз все добре, чи можу я ще вимагати зарплату?",
        "dün işte bayıldım, ambulans geldi, bugün iyiyim. rapor vermem lazım mı?",
        # written for the `someday` cue of 2026-12-04: an accident only imagined
        "bir gun iste kaza olursa ambulans mi cagiririm yoksa once sefi mi ararim",
        "si un jour y a un accident a l usine on appelle l ambulance ou le chef d abord?",
    ],
)
def test_danger_the_message_says_is_over_or_imagines_is_marked_resolved(rules: IntentRules, text: str) -> None:
    assert _emergency_match(rules, text).resolved


@pytest.mark.parametrize(
    "text",
    [
        # the danger is back, or never said to be over
        "vor drei wochen hat er mich geschlagen und heute wartet er wieder vor der tür",
        "two weeks ago he punched me and tonight he says he will come again",
        "месяц назад он меня избил, и сейчас он снова угрожает ножом",
        "my boss hit me, I'm bleeding",
        "he is not breathing, what is the number for the ambulance",
        "geçen yıl bir işçiyi dövdü, bir daha konuşursan seni öldürürüm dedi bana",
        "last week he beat me, it's not a joke, he is looking for me",
        # suicide, sexual violence and confinement are never resolved by the message
        "last month I wanted to kill myself, now I'm fine, but I still think about it",
        "il y a deux semaines ils nous ont enfermés dans le hangar, c'est fini maintenant",
    ],
)
def test_danger_that_is_back_or_of_another_kind_stays_unresolved(rules: IntentRules, text: str) -> None:
    assert not _emergency_match(rules, text).resolved


def test_an_accident_now_stays_unresolved_even_when_asked_as_a_question(rules: IntentRules) -> None:
    text = "my colleague is bleeding right now in the kitchen, in case the ambulance asks, what is our address"
    assert not _emergency_match(rules, text).resolved
