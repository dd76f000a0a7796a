"""Tests for transfer-claim detection (pipeline.claims) and sentence segmentation."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pipeline.claims import Claim, detect_claims, detect_jsonl, detect_record, load_rules
from pipeline.claims_eval import false_alarms, load_dev, score_articles, score_dev
from pipeline.quantities import find_quantity
from pipeline.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV = ROOT / "tests" / "data" / "claims_dev.jsonl"
ARTICLES = ROOT / "tests" / "data" / "claims_articles.jsonl"


def one(text: str) -> Claim:
    """The single claim in text (fails if there is not exactly one)."""
    claims = detect_claims(text)
    assert len(claims) == 1, [c.to_dict() for c in claims]
    return claims[0]


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


# --- segmentation ------------------------------------------------------------------------------

def test_split_keeps_abbreviations_and_initials_inside_sentences():
    text = 'Gen. Mark Milley said the U.S. military sent No. 2 officials. N. Korea denied it. He met Lt. Col. Smith at 3 p.m. on Monday.'
    assert sentences(text) == [
        "Gen. Mark Milley said the U.S. military sent No. 2 officials.",
        "N. Korea denied it.",
        "He met Lt. Col. Smith at 3 p.m. on Monday.",
    ]


def test_split_handles_quotes_bullets_and_datelines():
    text = ('SEOUL, Nov 1 (Reuters) - North Korea has sent shells. "We will send tanks." That is all.\n'
            '- First bullet without a period\n• Second bullet.')
    got = sentences(text)
    assert got == ["SEOUL, Nov 1 (Reuters) - North Korea has sent shells.", '"We will send tanks."', "That is all.",
                   "First bullet without a period", "Second bullet."]
    for (s, e), sent in zip(split_sentences(text), got):
        assert text[s:e] == sent


def test_split_ends_sentence_after_us_when_a_new_sentence_starts():
    assert sentences("The weapons came from the U.S. The package was large.") == [
        "The weapons came from the U.S.", "The package was large."]


# --- seed article --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_claims():
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("../shared/seeds not present: seed article test needs the shared folder")
    text = seeds[0].read_text(encoding="utf-8")
    return text, detect_claims(text)


def test_seed_main_claim_prk_to_rus_artillery_with_nis_claimant(seed_claims):
    _, claims = seed_claims
    main = [c for c in claims if c.sentence.startswith("North Korea has sent Russia over one million")]
    prk = [c for c in main if (c.supplier, c.recipient, c.category) == ("PRK", "RUS", "artillery_ammunition")]
    assert len(prk) == 1
    c = prk[0]
    assert c.quantity == {"min": 1000000, "max": None, "unit": "rounds"}
    assert c.status == "delivered" and c.stance == "affirmed"
    assert "National Intelligence Service" in c.claimant
    assert any(cue.startswith("cue:give:sent") for cue in c.cues)


def test_seed_technical_advice_claim_is_hedged_rus_to_prk(seed_claims):
    _, claims = seed_claims
    tech = [c for c in claims if c.sentence.startswith("In return, North Korea appeared")]
    assert [(c.supplier, c.recipient, c.category, c.stance) for c in tech] == [("RUS", "PRK", "technology", "hedged")]


def test_seed_containers_sentence_is_a_us_attributed_claim(seed_claims):
    _, claims = seed_claims
    cont = [c for c in claims if "1,000 containers" in c.sentence]
    assert len(cont) == 1
    assert (cont[0].supplier, cont[0].recipient) == ("PRK", "RUS")
    assert cont[0].quantity == {"min": 1000, "max": None, "unit": "containers"}
    assert cont[0].claimant == "The United States"


def test_seed_near_misses_and_navigation_stay_silent(seed_claims):
    text, claims = seed_claims
    silent = ("Russia and North Korea are both heavily sanctioned", "Related article",
              "Pyongyang had said it would carry out a third satellite launch", "Washington and experts have said",
              "Kim declared bilateral ties")
    for c in claims:
        assert not any(s in c.sentence for s in silent), c.sentence
    for c in claims:
        assert text[c.start:c.end] == c.sentence


# --- parties, voices, categories -----------------------------------------------------------------

@pytest.mark.parametrize("text, supplier, recipient, category", [
    ("Iran supplied Shahed-136 drones to Russia.", "IRN", "RUS", "drones"),
    ("Russia received ballistic missiles from North Korea.", "PRK", "RUS", "missiles"),
    ("Storm Shadow missiles were delivered to Ukraine by Britain.", "GBR", "UKR", "missiles"),
    ("Pyongyang's arms shipments to Moscow have continued.", "PRK", "RUS", "unspecified"),
    ("Tehran has been supplying Moscow with Geran-2 drones.", "IRN", "RUS", "drones"),
    ("Russia's purchases of artillery shells from Pyongyang have increased.", "PRK", "RUS", "artillery_ammunition"),
    ("The Kremlin bought Fath-360 missiles from Tehran.", "IRN", "RUS", "missiles"),
    ("Downing Street said Britain would send Challenger 2 tanks to Kyiv.", "GBR", "UKR", "armored_vehicles"),
    ("Washington will give the DPRK's neighbour nothing, but it sent HIMARS to Ukraine.", "USA", "UKR", "artillery_systems"),
    ("The U.K. has sent Ukraine NLAW anti-tank weapons.", "GBR", "UKR", "small_arms_light_weapons"),
    ("Germany delivered IRIS-T air defence systems to Ukraine.", "DEU", "UKR", "air_defense"),
    ("Norway donated 20 patrol boats to Ukraine.", "NOR", "UKR", "naval"),
    ("Denmark gave Ukraine F-16 fighter jets.", "DNK", "UKR", "aircraft"),
    ("China is supplying Russia with microelectronics and machine tools.", "CHN", "RUS", "technology"),
    ("Lithuania sent Ukraine body armour and helmets.", "LTU", "UKR", "other_equipment"),
])
def test_voices_parties_and_categories(text, supplier, recipient, category):
    c = one(text)
    assert (c.supplier, c.recipient, c.category) == (supplier, recipient, category)
    assert any(x.startswith("cue:") for x in c.cues)
    assert any(x.startswith("item:") for x in c.cues)


def test_pronoun_resolved_from_previous_sentence():
    c = one("Iran has become a key partner of Russia. It has sent hundreds of Shahed drones to Moscow.")
    assert (c.supplier, c.recipient) == ("IRN", "RUS")
    assert c.sentence.startswith("It has sent")


def test_two_suppliers_in_one_sentence_give_two_claims():
    claims = detect_claims("The US sent HIMARS to Ukraine and Germany sent IRIS-T to Ukraine.")
    assert sorted((c.supplier, c.category) for c in claims) == [("DEU", "air_defense"), ("USA", "artillery_systems")]


def test_exchange_gives_reverse_claim():
    claims = detect_claims("Iran has supplied Russia with drones in exchange for Su-35 fighter jets.")
    got = {(c.supplier, c.recipient, c.category) for c in claims}
    assert got == {("IRN", "RUS", "drones"), ("RUS", "IRN", "aircraft")}


def test_personnel_to_fight_for_another_state():
    c = one("North Korea has sent about 10,000 troops to Russia, the Pentagon said.")
    assert (c.supplier, c.recipient, c.category) == ("PRK", "RUS", "personnel")
    assert c.quantity == {"min": 10000, "max": 10000, "unit": "troops"}
    assert c.claimant == "the Pentagon"


def test_aid_package_without_items_is_unspecified_and_committed():
    c = one("The Pentagon announced a $2.5 billion military aid package for Ukraine on Friday.")
    assert (c.supplier, c.recipient, c.category, c.status) == ("USA", "UKR", "unspecified", "committed")
    assert c.quantity == {"min": 2500000000, "max": 2500000000, "unit": "usd"}


# --- status, stance, claimant ---------------------------------------------------------------------

def test_status_committed_vs_delivered():
    assert one("Germany will deliver a third Patriot battery to Ukraine.").status == "committed"
    assert one("Germany delivered a third Patriot battery to Ukraine.").status == "delivered"


def test_stance_hedged_and_denied():
    assert one("North Korea has reportedly sent artillery shells to Russia.").stance == "hedged"
    denied = one("Moscow denied receiving North Korean weapons.")
    assert (denied.supplier, denied.recipient, denied.stance) == ("PRK", "RUS", "denied")
    assert one("Russia has received Iranian drones, despite Tehran's denials.").stance == "affirmed"


def test_claimant_forms():
    assert one("Iran sent missiles to Russia, according to U.S. officials.").claimant == "U.S. officials"
    assert one("The White House said Iran sent missiles to Russia.").claimant == "The White House"
    assert one("Iran sent missiles to Russia, Reuters reported, citing two European sources.").claimant == "two European sources"
    assert one("Iran sent missiles to Russia.").claimant is None


# --- near misses -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Russia fired artillery shells at Kharkiv overnight.",
    "Ukraine struck a bridge with Western-supplied weapons.",
    "Russia launched Iranian-made drones at Kyiv.",
    "Kyiv may use British-supplied missiles inside Russia.",
    "Kyiv asked for F-16s.",
    "Zelensky urged allies to send more air defence systems.",
    "Berlin refused to send Taurus missiles to Ukraine.",
    "If the West sends tanks, Russia will respond.",
    "Allies discuss whether to send tanks to Ukraine.",
    "North Korea ramped up production of artillery shells.",
    "Russia has stockpiled hundreds of Iskander missiles.",
    "British instructors trained Ukrainian recruits.",
    "The US paused weapons shipments to Israel.",
    "Israel has not provided Ukraine with air defence systems.",
    "The Ukrainian military said it had received reports of Russian troops massing near the border.",
    "The US is sending 3,000 more troops to Poland to reassure NATO allies.",
    "Will Germany send Taurus missiles to Ukraine?",
    "The EU announced a fresh package of humanitarian aid for Gaza.",
])
def test_near_misses_stay_silent(text):
    assert detect_claims(text) == []


# --- quantities ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("over one million artillery shells", {"min": 1000000, "max": None, "unit": "rounds"}),
    ("up to 6 million shells", {"min": None, "max": 6000000, "unit": "rounds"}),
    ("at least 10 arms transfers", {"min": 10, "max": None, "unit": "transfers"}),
    ("tens of thousands of troops", {"min": 10000, "max": 100000, "unit": "troops"}),
    ("1,000 containers of munitions", {"min": 1000, "max": 1000, "unit": "containers"}),
    ("a $2.5 billion package", {"min": 2500000000, "max": 2500000000, "unit": "usd"}),
    ("between 10,000 and 12,000 soldiers", {"min": 10000, "max": 12000, "unit": "troops"}),
])
def test_quantity_bounds(text, expected):
    q = find_quantity(text, -1, -1, [])
    assert q is not None
    q.pop("text")
    assert q == expected


def test_designation_digits_are_not_quantities():
    c = one("Germany sent Leopard 2 tanks to Ukraine.")
    assert c.quantity is None


# --- interface -----------------------------------------------------------------------------------

def test_to_dict_has_exactly_the_spec_keys():
    d = one("Iran supplied drones to Russia.").to_dict()
    assert list(d) == ["supplier", "recipient", "category", "item", "quantity", "status", "stance", "claimant",
                       "sentence", "start", "end", "cues"]
    json.dumps(d)


def test_detect_jsonl_writes_one_line_per_input_line():
    rec = detect_record({"id": "a1", "text": "Iran supplied drones to Russia."})
    assert rec["id"] == "a1" and len(rec["claims"]) == 1
    src = io.StringIO('{"id": 1, "text": "Iran supplied drones to Russia."}\n'
                      '{"id": "x7", "text": "broken\n'
                      'not json\n'
                      '\n'
                      '[1, 2]\n'
                      '{"id": 5, "text": null}\n'
                      '{"id": 2, "text": "Nothing here."}\n')
    out, err = io.StringIO(), io.StringIO()
    bad = detect_jsonl(src, out, err)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == 7 and bad == 5
    assert [x["id"] for x in lines] == [1, "x7", None, None, None, 5, 2]
    assert [("error" in x) for x in lines] == [False, True, True, True, True, True, False]
    assert all(x["claims"] == [] for x in lines[1:])
    assert len(lines[0]["claims"]) == 1 and lines[0]["claims"][0]["supplier"] == "IRN"
    for n in (2, 3, 4, 5, 6):
        assert f"line {n}:" in err.getvalue()
    assert "line 1:" not in err.getvalue() and "line 7:" not in err.getvalue()


def test_lexicons_are_data_files():
    names = {p.name for p in (ROOT / "pipeline" / "lexicons").glob("*.json")}
    assert {"parties.json", "weapons.json", "cues.json"} <= names
    rules = load_rules()
    assert rules.party_map["Pyongyang"] == "PRK" and rules.party_map["the Kremlin"] == "RUS"


# --- quality gates ---------------------------------------------------------------------------------

def test_dev_set_shape():
    dev = load_dev(DEV)
    assert len(dev) >= 200
    assert sum(1 for r in dev if not r["claims"]) >= 80
    cats = {c["category"] for r in dev for c in r["claims"]}
    assert cats >= {"artillery_ammunition", "artillery_systems", "missiles", "drones", "air_defense", "armored_vehicles",
                    "aircraft", "small_arms_light_weapons", "naval", "personnel", "technology", "other_equipment",
                    "unspecified"}
    assert {c["status"] for r in dev for c in r["claims"]} >= {"delivered", "committed"}
    assert {c["stance"] for r in dev for c in r["claims"]} == {"affirmed", "hedged", "denied"}


def test_dev_set_f1_gate():
    s = score_dev(load_dev(DEV))
    p, r, f1 = s.sentence_prf()
    cp, cr, cf1 = s.claim_prf()
    assert f1 >= 0.90, (p, r, f1)
    assert cf1 >= 0.90, (cp, cr, cf1)


def test_false_alarm_rate_on_shared_news():
    if not (SHARED / "data").exists():
        pytest.skip("../shared/data not present: false-alarm gate needs the shared corpus")
    n_sent, found = false_alarms(SHARED)
    assert n_sent > 1000
    assert 1000 * len(found) / n_sent < 1.0, [(n, c.sentence) for n, c in found]


def test_full_article_gate():
    arts = load_dev(ARTICLES)
    assert len(arts) >= 12 and sum(len(a["sentences"]) for a in arts) >= 250
    for a in arts:
        assert all(a["text"][x["start"]:x["end"]] == x["text"] for x in a["sentences"])
    s = score_articles(arts)
    p, r, f1 = s.sentence_prf()
    assert p >= 0.85 and r >= 0.85, (p, r, f1)
    acc = s.field_accuracy()
    assert min(acc["supplier"], acc["recipient"], acc["category"]) >= 0.85, acc


# --- article context and phrasing of real reporting -------------------------------------------------

def test_recipient_named_once_in_the_article_carries_over():
    text = ("Germany will send Leopard 2 tanks to Ukraine, Chancellor Olaf Scholz said. "
            "Troops in the east are short of shells. "
            "Polish Prime Minister Mateusz Morawiecki said Warsaw would send 14 Leopard tanks as part of the coalition.")
    found = [(c.supplier, c.recipient) for c in detect_claims(text)]
    assert found == [("DEU", "UKR"), ("POL", "UKR")]


def test_receipt_takes_supplier_of_the_same_weapons_from_recent_sentences():
    text = ("Iran has delivered a large shipment of ballistic missiles to Russia, sources said. "
            "The Kremlin declined to comment. "
            "A U.S. official said Russia had taken delivery of the missiles.")
    second = detect_claims(text)[1]
    assert (second.supplier, second.recipient, second.category) == ("IRN", "RUS", "missiles")
    alone = one("A U.S. official said Russia had taken delivery of the missiles.")
    assert alone.supplier is None and alone.recipient == "RUS"


def test_anaphoric_arrival_and_package_list_follow_the_previous_claim():
    text = ("Britain will send 14 Challenger 2 tanks to Ukraine. They arrived in Ukraine in March.\n"
            "The Pentagon announced a new $1 billion military aid package for Ukraine. It includes:\n- Stinger missiles")
    found = [(c.supplier, c.recipient, c.category, c.status) for c in detect_claims(text)]
    assert found[:2] == [("GBR", "UKR", "armored_vehicles", "committed"), ("GBR", "UKR", "armored_vehicles", "delivered")]
    assert ("USA", "UKR", "unspecified", "committed") in found[2:] and len(found) == 4
    assert detect_claims("They arrived in Ukraine in March.") == []


def test_ukrainian_outlet_names_for_russia():
    c = one("He added that the aggressor state had also received a new batch of artillery ammunition from the DPRK.")
    assert (c.supplier, c.recipient, c.category) == ("PRK", "RUS", "artillery_ammunition")


def test_buying_for_another_state_makes_the_buyer_the_supplier():
    c = one("Denmark said it would contribute $230 million to buy shells for Ukraine.")
    assert (c.supplier, c.recipient, c.status) == ("DNK", "UKR", "committed")


def test_objects_inside_cues_and_reach():
    c = one("Iran continues to assist Russia with the technology for drone production.")
    assert (c.supplier, c.recipient, c.category) == ("IRN", "RUS", "technology")
    c = one("The first shells from the Czech-led initiative reached Ukraine on Monday.")
    assert (c.supplier, c.recipient) == ("CZE", "UKR")


def test_accused_of_supplying_and_denial_after_the_claim():
    c = one("China has been accused of supplying drone components to Russia, a claim Beijing denies.")
    assert (c.supplier, c.recipient, c.stance) == ("CHN", "RUS", "denied")


def test_no_evidence_undisclosed_and_policy_of_not_providing_are_not_claims():
    for text in ("The US has so far not found evidence that China is supplying Russia with lethal aid, officials said.",
                 "The Czech government has not disclosed where the shells are bought for Ukraine.",
                 "Seoul said the move was a shift from its long-standing policy of not providing arms to Ukraine."):
        assert detect_claims(text) == [], text


def test_implicit_transfers_without_a_transfer_verb():
    c = one("Russia now builds the drones at Alabuga under a licensing deal with Tehran, U.S. officials said.")
    assert (c.supplier, c.recipient, c.category) == ("IRN", "RUS", "technology")
    c = one("Putin said Russia would help North Korea build satellites.")
    assert (c.supplier, c.recipient, c.category, c.status) == ("RUS", "PRK", "technology", "committed")
    c = one("Ukrainian officials say 11,000 North Korean soldiers are fighting alongside Russian troops in Kursk.")
    assert (c.supplier, c.recipient, c.category) == ("PRK", "RUS", "personnel")
    assert detect_claims("Russia produced 6,000 drones at Alabuga last year.") == []
    assert detect_claims("Polish soldiers are serving alongside US troops in Lithuania.") == []


def sides(text: str) -> list[tuple]:
    """(sentence number, supplier, recipient, category, stance) of every claim in text."""
    starts = [s for s, _ in split_sentences(text)]
    return [(starts.index(c.start), c.supplier, c.recipient, c.category, c.stance) for c in detect_claims(text)]


def test_non_state_groups_are_a_null_side_and_not_a_subject():
    found = sides("Iran, which backs Hamas and Hezbollah, has supplied the groups with rockets and drones, U.S. officials said.")
    assert found == [(0, "IRN", None, "missiles", "affirmed"), (0, "IRN", None, "drones", "affirmed")]
    assert detect_claims("Hamas has received weapons.") == []  # no named state on either side


def test_foreign_troops_operating_in_russian_held_places_fight_for_russia():
    assert sides("North Korean artillerymen reportedly operating in Kursk Oblast") == [(0, "PRK", "RUS", "personnel", "hedged")]
    found = sides("Officials said 11,000 North Korean troops were deployed in Kursk, after clashes with Ukrainian units.")
    assert [f[2] for f in found] == ["RUS"]


def test_package_contents_sentence_takes_the_parties_of_the_package_claim():
    text = ("The State Department approved a $2 billion arms sale to Taiwan. The deal still needs Congress. "
            "It also includes radar systems worth about $828 million.")
    assert sides(text)[-1][:3] == (2, "USA", "TWN")
    assert sides("Germany hosted a summit on energy. It includes radar systems.") == []


def test_denial_by_reference_repeats_the_previous_claim_denied():
    text = "Iran has supplied Russia with drones, U.S. officials said. Russia has denied those reports."
    assert sides(text) == [(0, "IRN", "RUS", "drones", "affirmed"), (1, "IRN", "RUS", "drones", "denied")]
    assert sides("Iran has supplied Russia with drones, officials said. China denied the reports.") == [
        (0, "IRN", "RUS", "drones", "affirmed")]


def test_sanctions_and_use_presuppose_supply_but_relative_supply_is_asserted():
    assert detect_claims("Beijing has sanctioned U.S. defence firms over arms sales to Taiwan.") == []
    assert detect_claims("The U.S. has monitored the use of the weapons it provided to Ukraine.") == []
    assert detect_claims("The F-16s that Denmark donated were used to down Russian missiles.") == []
    assert sides("The EU sanctioned three Chinese companies that supplied drone parts to Russia.") == [
        (0, "CHN", "RUS", "technology", "affirmed")]


def test_amount_given_to_a_state_armed_earlier_in_the_article():
    text = "The UK has sent Ukraine Storm Shadow missiles. Healey pledged to give Ukraine £3bn a year for as long as it takes."
    assert sides(text)[-1] == (1, "GBR", "UKR", "unspecified", "affirmed")
    assert detect_claims("The EU pledged to give Ukraine €50bn a year.") == []  # no military claim before it


def test_platform_after_for_is_not_the_item():
    assert one("US to send Israel $8 billion in weapons, including munitions for fighter jets").category == "unspecified"
    assert one("Spain said it would send missiles for Patriot launchers to Ukraine.").category == "air_defense"


def test_package_list_lines_each_carry_the_package_parties():
    text = ("The Pentagon announced a $275 million package of military aid for Ukraine.\nThe capabilities in this package include:\n"
            "155mm artillery rounds;\nJavelin anti-armor systems; and\nSpare parts.\n"
            "Secretary Austin will convene the contact group next week at Ramstein Air Base in Germany.")
    got = [(c.supplier, c.recipient, c.category, c.sentence) for c in detect_claims(text)]
    assert ("USA", "UKR", "artillery_ammunition", "155mm artillery rounds;") in got
    assert ("USA", "UKR", "small_arms_light_weapons", "Javelin anti-armor systems; and") in got
    assert not [g for g in got if "Ramstein" in g[3]]
    # a list that follows no claim is no package
    assert detect_claims("The museum's collection includes:\n155mm artillery rounds;\nOld muskets.") == []


def test_state_that_signs_or_announces_is_the_supplier_but_a_commentator_is_not():
    c = one("President Joe Biden signed a $95 billion war aid measure that includes military assistance for Taiwan.")
    assert (c.supplier, c.recipient) == ("USA", "TWN")
    found = detect_claims("Vladimir Putin said new shipments of weapons to Ukraine would begin within weeks.")
    assert found and all(c.supplier != "RUS" and c.recipient == "UKR" for c in found)


def test_factbox_label_names_the_item():
    c = one("Bradley fighting vehicles: The U.S. has committed 109 to Ukraine in its latest packages.")
    assert (c.supplier, c.recipient, c.category) == ("USA", "UKR", "armored_vehicles")
    c = one("HIMARS: Washington has sent 38 of the truck-mounted launchers to Ukraine.")
    assert c.category == "artillery_systems"


def test_treaty_obligation_to_assist_is_no_transfer():
    assert detect_claims("The treaty obliges both countries to provide immediate military assistance to each other.") == []


def test_second_clause_with_its_own_supplier_is_a_second_claim():
    got = {(c.supplier, c.recipient, c.category, c.status) for c in detect_claims(
        "The Netherlands has pledged a total of 24 F-16s to Ukraine, while Denmark has promised 19.")}
    assert got == {("NLD", "UKR", "aircraft", "committed"), ("DNK", "UKR", "aircraft", "committed")}
    # a second recipient is no second supplier
    got = {(c.supplier, c.recipient) for c in detect_claims("Germany sent 14 Leopard tanks to Ukraine and Moldova last year.")}
    assert ("MDA", "UKR") not in got and all(s == "DEU" for s, _ in got)


def test_first_nato_country_names_the_member_not_the_alliance():
    c = one("Poland becomes first NATO country to send fighter jets to Ukraine")
    assert (c.supplier, c.recipient, c.category) == ("POL", "UKR", "aircraft")
    assert one("NATO allies will send more air defence systems to Ukraine").supplier == "NATO"


def test_contract_with_a_foreign_company_makes_its_state_the_seller():
    c = one("Poland signed a contract with Hyundai Rotem in December for a second batch of 180 K2 tanks.")
    assert (c.supplier, c.recipient, c.category) == ("KOR", "POL", "armored_vehicles")
    c = one("Poland signs second contract for South Korean K2 tanks")
    assert (c.supplier, c.recipient) == ("KOR", "POL")
    assert detect_claims("The Pentagon signed a contract with Lockheed Martin to build more PAC-3 interceptors.") == []


def test_signing_a_deal_to_buy_gives_one_claim_from_the_seller():
    claims = detect_claims("Germany signs deal to buy Israel's Arrow 3 missile defense system")
    assert [(c.supplier, c.recipient) for c in claims] == [("ISR", "DEU")]


def test_states_that_followed_repeat_the_claim_just_before():
    claims = detect_claims("Poland was the first to deliver, sending four Leopard 2A4 tanks to Ukraine in February. "
                           "Canada, Norway and Spain followed.")
    assert sorted(c.supplier for c in claims) == ["CAN", "ESP", "NOR", "POL"]
    assert {c.recipient for c in claims} == {"UKR"}
    assert len(detect_claims("The fighting followed. Canada, Norway and Spain followed.")) == 0


def test_abbreviated_state_right_before_the_item_is_its_origin():
    c = one("First U.S. Abrams tanks arrive in Ukraine, months ahead of schedule")
    assert (c.supplier, c.recipient, c.category) == ("USA", "UKR", "armored_vehicles")
    claims = detect_claims("The US sent HIMARS to Ukraine and Germany sent IRIS-T to Ukraine.")
    assert sorted(c.supplier for c in claims) == ["DEU", "USA"]


def test_foreign_troops_deployed_to_russian_regions_fight_for_russia():
    c = one("North Korean troops deployed to Kursk region, says Pentagon")
    assert (c.supplier, c.recipient, c.category) == ("PRK", "RUS", "personnel")
    assert detect_claims("Ukrainian troops deployed to Kursk region in August.") == []


def test_weak_items_are_military_right_after_a_transfer_claim():
    claims = detect_claims("Zelensky confirmed that Ukraine has received the first F-16 fighter jets. "
                           "Bloomberg reported that Ukraine had received about 10 jets from Denmark.")
    assert [(c.supplier, c.category) for c in claims][1:] == [("DNK", "aircraft")]
    assert detect_claims("Ukraine had received about 10 jets from Denmark.") == []


# --- transfer-frame fallbacks (round 6) ---------------------------------------------------------

def core_sides(text: str) -> list[tuple]:
    """(supplier, recipient, category) of each claim in text."""
    return [(c.supplier, c.recipient, c.category) for c in detect_claims(text)]


def test_funding_frames_name_the_funder_and_the_recipient():
    assert ("DNK", "UKR", "artillery_systems") in core_sides(
        "Denmark financed the production of Ukrainian Bohdana self-propelled howitzers worth 200 million euros.")
    assert ("NLD", "UKR", "drones") in core_sides(
        "Earlier, the Netherlands said it would spend 122 million euros on drones for Ukraine.")
    # own defence spending is no transfer
    assert core_sides("Germany spent about €52 billion on defense last year.") == []
    assert core_sides("Poland plans to spend 4.7% of its GDP on defense this year.") == []


def test_contribution_to_a_scheme_takes_the_recipient_of_the_article_claim():
    text = ("The Czech Republic will buy 800,000 artillery shells for Ukraine. "
            "Canada said it would contribute 40 million Canadian dollars.")
    got = detect_claims(text)
    assert [(c.supplier, c.recipient) for c in got if c.start > 60] == [("CAN", "UKR")]
    # without a military claim before, a contribution is only money
    assert core_sides("Canada said it would contribute 40 million Canadian dollars.") == []


def test_help_build_frames_are_technology_from_the_helper():
    text = "Iran has sent Shahed drones to Russia. Iran helped Russia build that plant, sending engineers, U.S. officials said."
    assert [(c.supplier, c.recipient, c.category) for c in detect_claims(text) if c.start > 30] == [("IRN", "RUS", "technology")]
    # without a military word or claim nearby, helping build a plant is not a transfer
    assert core_sides("Iran helped Russia build that plant, U.S. officials said.") == []
    assert ("CHN", "RUS", "technology") in core_sides("Blinken says China is helping Russia rebuild its war machine")
    assert ("USA", "RUS", "technology") not in core_sides("Blinken says China is helping Russia rebuild its war machine")


def test_aid_nouns_with_both_sides_are_claims_and_humanitarian_aid_is_not():
    assert ("DEU", "UKR", "unspecified") in core_sides("Germany to halve military aid for Ukraine in 2025 budget")
    assert core_sides("The EU announced a fresh package of humanitarian aid for Gaza worth 25 million euros.") == []
    assert core_sides("The missiles will replenish U.S. stocks, which have been drawn down by military aid to Ukraine.") == []


def test_donor_of_names_the_subject_as_supplier():
    got = core_sides("Germany remains Ukraine's second-largest donor of military aid after the United States, "
                "having delivered or committed weapons worth around 28 billion euros.")
    assert ("DEU", "UKR", "unspecified") in got
    assert not [s for s in got if s[0] == "UKR"]


def test_nominal_denial_takes_the_article_claim_and_confirm_or_deny_does_not():
    base = "North Korea has sent artillery shells to Russia, officials say. "
    got = detect_claims(base + "Russia and North Korea deny arms transfers between them.")
    assert [(c.supplier, c.recipient, c.stance) for c in got if c.start > len(base) - 2] == [("PRK", "RUS", "denied")]
    got = detect_claims(base + "The Kremlin has declined to confirm or deny the presence of North Korean troops.")
    assert [c for c in got if c.start > len(base) - 2] == []


def test_anaphoric_arrival_takes_the_recent_claim_but_not_logistics_with_could():
    base = "Britain announced it would send 14 Challenger 2 tanks to Ukraine. "
    got = detect_claims(base + "The tanks are expected to arrive in Ukraine by the end of March.")
    later = [c for c in got if c.start > len(base) - 2]
    assert [(c.supplier, c.recipient, c.category) for c in later] == [("GBR", "UKR", "armored_vehicles")]
    got = detect_claims(base + "The tanks could be delivered quickly from existing stocks.")
    assert [c for c in got if c.start > len(base) - 2] == []


def test_european_allies_are_the_west_not_the_eu():
    assert ("WEST", "UKR", "unspecified") in core_sides("European allies have sent weapons to Ukraine.")
    assert ("EU", "UKR", "unspecified") in core_sides("The European Union has sent weapons to Ukraine.")


def test_coalition_leaders_are_the_suppliers_not_the_west():
    got = core_sides("A coalition of countries led by Latvia and the United Kingdom will supply Ukraine with one million drones.")
    assert sorted(got) == [("GBR", "UKR", "drones"), ("LVA", "UKR", "drones")]
    assert ("WEST", "UKR", "drones") not in core_sides("Latvia and UK lead coalition to supply Ukraine with one million drones")


def test_headline_verbs_ships_hands_and_bare_rockets():
    assert core_sides("Iran ships drones to Russia") == [("IRN", "RUS", "drones")]
    assert core_sides("Russia hands Belarus Iskander missile systems") == [("RUS", "BLR", "missiles")]
    assert core_sides("Egypt supplied rockets to Russia.") == [("EGY", "RUS", "missiles")]
    assert core_sides("Russian ships carrying grain docked in Tartus.") == []
    assert core_sides("On the other hand, Germany said its stocks were low.") == []


def test_claimant_is_the_relayed_source_or_the_headline_speaker():
    relayed = one("North Korea has sent Russia more than 1 million artillery shells, a lawmaker said, "
                  "relaying a briefing by South Korea's National Intelligence Service.")
    assert relayed.claimant == "South Korea's National Intelligence Service"
    cited = one("North Korea has shipped missiles to Russia, according to Yonhap, which cited the Pentagon.")
    assert cited.claimant == "the Pentagon"
    own = one("North Korea has shipped missiles to Russia, the Pentagon said, citing intelligence.")
    assert own.claimant == "the Pentagon"
    assert one("N. Korea Ships Missiles to Russia, Seoul Lawmaker Says").claimant == "Seoul Lawmaker"
    assert one("N. Korea Sends Russia Artillery Rounds - Seoul").claimant == "Seoul"
    assert one("North Korea sent Russia artillery rounds.").claimant is None


def test_own_forces_own_industry_and_export_controls_are_no_transfer():
    assert core_sides("Germany and the Netherlands had already deployed Patriot units to Slovakia as part of "
                      "NATO's eastern reinforcement.") == []
    assert core_sides("Germany deployed Patriot systems to Ukraine.") == [("DEU", "UKR", "air_defense")]
    assert core_sides("Several thousand Russian troops were stationed in Belarus last year.") == []
    assert core_sides("North Korean troops are stationed in Kursk.") == [("PRK", "RUS", "personnel")]
    assert core_sides("Ukraine has signed contracts to buy artillery shells from its own defence companies.") == []
    assert core_sides("Germany will send Ukraine 14 Leopard 2A6 tanks from its own stocks.") == [("DEU", "UKR", "armored_vehicles")]
    assert core_sides("The UK has imposed strict export controls on drones to stop them reaching Russia.") == []
    assert core_sides("China exports drones to Russia.") == [("CHN", "RUS", "drones")]
    assert core_sides("G7 leaders agreed on a $50 billion loan for Ukraine backed by frozen Russian assets.") == []
    assert core_sides("The allies pledged their full support to Kyiv.") == []


def test_owner_of_a_non_state_group_is_no_side_and_turned_to_names_the_supplier():
    got = one("North Korea delivered rockets and missiles to Russia's Wagner Group, White House says")
    assert (got.supplier, got.recipient) == ("PRK", None)
    assert core_sides("Russia has also turned to Iran for hundreds of drones.") == [("IRN", "RUS", "drones")]
    assert core_sides("Moscow has relied on North Korea for artillery shells.") == [("PRK", "RUS", "artillery_ammunition")]


def test_arming_a_state_is_a_transfer_of_weapons_in_general():
    assert core_sides("Iran has been arming Russia since 2022.") == [("IRN", "RUS", "unspecified")]
    assert one("Washington has accused Tehran of arming Russia.").stance == "hedged"
    assert core_sides("Police were armed with rifles.") == []


def test_not_before_is_a_delay_but_not_until_a_condition_is_a_refusal():
    assert core_sides("F-16 jets from Belgium would not arrive in Ukraine before 2025.") == [("BEL", "UKR", "aircraft")]
    assert core_sides("Germany will not send Taurus missiles to Ukraine until Russia withdraws.") == []
    assert core_sides("The tanks from Germany did not arrive in Ukraine.") == []


def test_flow_toward_and_coalition_aims_and_more_states():
    assert core_sides("South Korean Shells Quietly Flow Toward Ukraine Through a U.S. Back Door") == [
        ("KOR", "UKR", "artillery_ammunition")]
    got = core_sides("Britain and Latvia lead a coalition that aims to deliver a million drones to Ukraine.")
    assert sorted(got) == [("GBR", "UKR", "drones"), ("LVA", "UKR", "drones")]
    assert core_sides("Russia sent attack helicopters to Burkina Faso.") == [("RUS", "BFA", "aircraft")]
    assert core_sides("Weapons flow freely in Burkina Faso.") == []


def test_demonym_covers_coordinated_items_and_fighters_beside_people_are_people():
    got = one("Russian military instructors and fighters have arrived in Burkina Faso.")
    assert (got.supplier, got.recipient, got.category) == ("RUS", "BFA", "personnel")
    assert core_sides("Poland sent fighter jets to Ukraine.") == [("POL", "UKR", "aircraft")]
    assert core_sides("Iranian drones and Russian missiles hit Kyiv.") == []


def test_anaphoric_also_sent_named_system_and_flown_on_transport_planes():
    claims = detect_claims("The UK will send Ukraine 14 Challenger 2 tanks, Rishi Sunak said. "
                           "Downing Street said around 30 AS90 self-propelled guns would also be sent.")
    assert [(c.supplier, c.recipient, c.category) for c in claims] == [
        ("GBR", "UKR", "armored_vehicles"), ("GBR", "UKR", "artillery_systems")]
    claims = detect_claims("Australia will send 20 Bushmaster armored vehicles to Ukraine. "
                           "The vehicles will be flown to Ukraine on C-17 transport aircraft, officials said.")
    assert [c.category for c in claims] == ["armored_vehicles", "armored_vehicles"]
    claims = detect_claims("Australia will send 20 Bushmaster armored vehicles to Ukraine. "
                           "The vehicles could be flown to Ukraine on C-17 transport aircraft, officials said.")
    assert len(claims) == 1


def test_moving_own_weapons_and_pledges_of_full_support_are_no_transfer():
    assert core_sides("Russia has deployed tactical nuclear weapons to Belarus.") == []
    assert core_sides("Russia had moved the first of its missiles to Belarus.") == []
    assert core_sides("North Korea has deployed its troops to Russia.") == [("PRK", "RUS", "personnel")]
    assert core_sides("Russia hands Belarus Iskander missile systems as Putin moves nuclear weapons west") == [
        ("RUS", "BLR", "missiles")]
    assert core_sides('Mr Kim pledged "full and unconditional support" for Russia\'s fight against the West.') == []
    assert core_sides("Mr Kim pledged military support for Russia.") != []


def test_loans_are_money_but_an_amount_to_an_armed_state_is_aid():
    loan = detect_claims("Germany pledged to send Ukraine IRIS-T systems. G7 leaders agreed in June to provide Ukraine "
                         "with a $50 billion loan backed by the windfall profits of those assets.")
    assert [c.category for c in loan] == ["air_defense"]
    aid = detect_claims("Germany pledged to send Ukraine IRIS-T systems. Berlin also agreed to give Ukraine €500 million this year.")
    assert [c.category for c in aid] == ["air_defense", "unspecified"]


def test_foreign_personnel_on_the_ground_in_russian_held_places():
    assert core_sides("Iranian military personnel are on the ground in Crimea, helping Russian forces.") == [
        ("IRN", "RUS", "personnel")]
    assert core_sides("British troops are on the ground in Estonia.") == []
    assert core_sides("Ukrainian troops are on the ground in Kursk.") == []


def test_presence_in_a_state_with_a_named_origin_is_an_arrival_but_invaders_are_not():
    c = one("“The French AMX-10 RC are in Ukraine,” Reznikov wrote.")
    assert (c.supplier, c.recipient, c.category, c.status) == ("FRA", "UKR", "armored_vehicles", "delivered")
    assert detect_claims("Russian troops are in Ukraine illegally, the minister said.") == []
    assert detect_claims("The F-16s are in Denmark for maintenance.") == []
    assert detect_claims("Swedish CV90s are already in use by the 21st Mechanized Brigade.") == []


def test_not_saying_how_many_keeps_the_transfer_but_not_saying_who_does_not():
    text = "The first AMX-10 RC vehicles from France have arrived in Ukraine. He did not say how many of the vehicles had been delivered."
    claims = detect_claims(text)
    assert [(c.supplier, c.recipient, c.category) for c in claims] == [("FRA", "UKR", "armored_vehicles")] * 2
    gap = "France sent tanks to Ukraine. The ministry did not say which countries had provided the vehicles."
    assert len(detect_claims(gap)) == 1
    c = detect_claims("Germany sent Leopard tanks to Ukraine. A spokesman declined to say how many tanks had been delivered.")[-1]
    assert c.sentence.startswith("A spokesman") and (c.supplier, c.recipient) == ("DEU", "UKR")


def test_we_in_a_quote_is_the_speakers_state():
    claims = detect_claims("France is helping Ukraine. “We are sending our armoured vehicles and we will deliver further Caesar "
                           "howitzers within weeks,” France's Defence Minister Sébastien Lecornu told Le Parisien.")
    assert {(c.supplier, c.category, c.status) for c in claims} == {
        ("FRA", "armored_vehicles", "delivered"), ("FRA", "artillery_systems", "committed")}
    c = detect_claims("Denmark will give Ukraine its entire artillery stock, the prime minister announced. "
                      "“We have decided to donate our entire artillery,” Frederiksen said.")[-1]
    assert c.sentence.startswith("“We") and (c.supplier, c.recipient) == ("DNK", "UKR")
    c = one("“We have received the first F-16s,” Zelensky said.")
    assert (c.supplier, c.recipient, c.category) == (None, "UKR", "aircraft")


def test_long_comma_lists_and_cleared_sales():
    claims = detect_claims("Russia has sold Yak-130 jets to Algeria, Belarus, Bangladesh and Myanmar, among others.")
    assert sorted(c.recipient for c in claims) == ["BGD", "BLR", "DZA", "MMR"]
    assert all(c.supplier == "RUS" for c in claims)
    c = one("The United States also cleared the sale of 40 F-35 jets to Greece.")
    assert (c.supplier, c.recipient, c.status) == ("USA", "GRC", "committed")
    c = one("In November, Bulgarian lawmakers voted to send about 100 armoured personnel carriers to Ukraine.")
    assert (c.supplier, c.recipient, c.category) == ("BGR", "UKR", "armored_vehicles")


def test_supply_convoys_needed_by_and_foreign_owners_of_other_clauses():
    assert detect_claims("Turkish-made Bayraktar drones destroyed Russian tanks and supply convoys.") == []
    c = one("Vassilev said that a third of the ammunition needed by the Ukrainian army had come from Bulgaria.")
    assert (c.supplier, c.recipient, c.category) == ("BGR", "UKR", "artillery_ammunition")
    text = ("Pakistan denies supplying shells to Ukraine. Pakistan's economy depends on an IMF bailout, and some analysts say "
            "arms exports have become an important source of foreign currency.")
    assert [c.sentence[:8] for c in detect_claims(text)] == ["Pakistan"]


def test_participle_after_a_headline_subject_and_arming_at_a_clause_end():
    c = one("Turkey walks a fine line, arming Ukraine while courting Moscow.")
    assert (c.supplier, c.recipient, c.category) == ("TUR", "UKR", "unspecified")
    assert detect_claims("Russia is losing ground, and Ukraine keeps fighting while courting Moscow.") == []


def test_end_use_conditions_ship_nouns_and_named_programmes():
    sale = one("Bern has agreed to sell 25 Leopard 2 tanks to Germany, on condition that they are not sent to Ukraine.")
    assert (sale.supplier, sale.recipient, sale.category, sale.status) == ("CHE", "DEU", "armored_vehicles", "committed")
    assert detect_claims("Bern will sell 25 Leopard 2 tanks to Germany on condition that Berlin lifts its ban.") == []
    assert [c.supplier for c in detect_claims("U.S. envoy says arms were loaded onto Russian ship in South Africa")] != ["USA"]
    assert one("Iran will ship drones to Russia.").supplier == "IRN"
    text = ("The United States will fund 45 T-72 tanks for Ukraine. "
            "The package is funded through the Ukraine Security Assistance Initiative, which lets the Pentagon buy weapons from industry.")
    assert [c.sentence[:11] for c in detect_claims(text)] == ["The United "]


def test_arming_keeps_its_goods_beside_a_later_clause_and_aspect_subjects():
    denied = one("Iran has long denied arming the Houthis, though weapons traced back to Tehran have been seized.")
    assert (denied.supplier, denied.recipient, denied.stance) == ("IRN", None, "denied")
    case = one('"This is a clear case of Iran continuing to supply lethal aid to the Houthis," the general said.')
    assert (case.supplier, case.recipient, case.category) == ("IRN", None, "unspecified")
    assert detect_claims("Supplying weapons to Ukraine makes NATO a party to the war, Moscow says.") == []


def test_partitive_pronoun_takes_the_item_of_the_sentence_before():
    text = "Greece has about 170 BMP-1s in its inventory. Under the deal, Athens would send 40 of them to Ukraine."
    claims = detect_claims(text)
    assert [(c.supplier, c.recipient, c.category, c.status) for c in claims] == [("GRC", "UKR", "armored_vehicles", "committed")]
    assert detect_claims("Officials met reporters on Monday. Poland would send 40 of them to Ukraine.") == []


def test_paying_for_tanks_of_an_earlier_claim_names_each_payer():
    text = ("The United States and the Netherlands will fund the refurbishment of 90 T-72 tanks for Ukraine's armed forces. "
            "Washington and the Netherlands will each pay for 45 of the tanks, a Pentagon spokesperson said.")
    second = [c for c in detect_claims(text) if c.sentence.startswith("Washington")]
    assert sorted((c.supplier, c.recipient, c.category, c.status) for c in second) == [
        ("NLD", "UKR", "armored_vehicles", "committed"), ("USA", "UKR", "armored_vehicles", "committed")]
    headline = detect_claims("US, Netherlands to pay for 90 refurbished T-72 tanks for Ukraine")
    assert {c.status for c in headline} == {"committed"} and {c.supplier for c in headline} == {"USA", "NLD"}
    assert detect_claims("Poland will buy 48 K9 howitzers. Warsaw will pay for the howitzers from its defence budget.")[1:] == []


def test_rounds_beside_rifles_are_small_arms_ammunition():
    c = one("U.S. forces seized 9,000 rifles and 700,000 rounds of ammunition that officials said Iran was sending to the Houthis.")
    assert (c.supplier, c.category) == ("IRN", "small_arms_light_weapons")
    assert one("North Korea sent Russia a million rounds of ammunition.").category == "artillery_ammunition"


def test_speaking_government_supplies_in_a_passive_and_a_speaker_is_no_side():
    c = one("Germany's government said the first 300,000 rounds would be delivered to Ukraine in July.")
    assert (c.supplier, c.recipient, c.category, c.status) == ("DEU", "UKR", "artillery_ammunition", "committed")
    assert one("U.S. officials said the first 300,000 shells would be delivered to Ukraine.").supplier is None
    assert detect_claims("The two sides held 3 rounds of talks on Monday.") == []
    text = "Iran has supplied drones to the Houthis. U.S. officials say the group relies on Iran for components and training."
    relies = [c for c in detect_claims(text) if c.sentence.startswith("U.S.")]
    assert [(c.supplier, c.recipient, c.category) for c in relies] == [("IRN", None, "technology")]
    assert one("U.S. officials say Russia relies on Iran for drones.").recipient == "RUS"


def test_goods_caught_on_the_move_are_transfers_under_way():
    loaded = one("U.S. envoy says arms were loaded onto Russian ship in South Africa")
    assert (loaded.supplier, loaded.recipient, loaded.category, loaded.status) == ("ZAF", "RUS", "unspecified", "delivered")
    bound = one("US Navy seizes Iranian missile parts bound for Yemen's Houthi rebels")
    assert (bound.supplier, bound.recipient, bound.status) == ("IRN", None, "delivered")
    seized = one("It was the first seizure of Iranian-supplied weapons to the Houthis since the rebels began attacking ships.")
    assert (seized.supplier, seized.recipient, seized.category) == ("IRN", None, "unspecified")
    assert detect_claims("Iranian drones headed for Kyiv were shot down overnight.") == []
    assert detect_claims("Ukraine launched US-supplied missiles at targets in Russia.") == []
    assert detect_claims("Russian troops loaded onto a Belarusian train in Minsk.") == []


def test_approval_still_pending_is_not_a_commitment():
    pending = "Congress has yet to approve President Joe Biden's request for a further $61 billion in aid for Ukraine."
    failed = "The Senate failed to pass the $61 billion aid package for Ukraine."
    approved = "Congress approved $61 billion in military aid for Ukraine on Saturday."
    assert detect_claims(pending) == [] and detect_claims(failed) == []
    # Also after a real aid claim, when the article context could lend the sentence its parties.
    context = "The United States on Tuesday announced a $150 million military aid package for Ukraine.\n"
    assert [c.sentence for c in detect_claims(context + pending)] == [context.strip()]
    (claim,) = detect_claims(approved)
    assert (claim.recipient, claim.status, claim.quantity["min"]) == ("UKR", "committed", 61_000_000_000)


def test_each_listed_category_of_one_transfer_is_its_own_claim():
    found = sides("Beijing has also supplied Islamabad with HQ-9 air defense systems, Type 054A/P frigates and "
                  "Wing Loong II drones.")
    assert found == [(0, "CHN", "PAK", "air_defense", "affirmed"), (0, "CHN", "PAK", "naval", "affirmed"),
                     (0, "CHN", "PAK", "drones", "affirmed")]
    listed = sides("On Saturday, the US announced a further $125m weapons package for Kyiv that includes air defence "
                   "interceptors and artillery ammunition.")
    assert [(s, r, c) for _, s, r, c, _ in listed] == [("USA", "UKR", "air_defense"), ("USA", "UKR", "artillery_ammunition")]
    # Not a list of the moved goods: another verb, or an elaboration of the one item
    assert [c for *_, c, _ in sides("Officials say China has provided satellite imagery and helped improve Russian "
                                    "drones and missiles.")] == ["technology"]
    assert [c for *_, c, _ in sides("The UK has given Ukraine thousands of short-range anti-air missiles, including "
                                    "Starstreak.")] == ["air_defense"]
    assert [c for *_, c, _ in sides("Russia may have supplied Iran with advanced electronic warfare equipment, the "
                                    "think tank said.")] == ["other_equipment"]


def test_buying_agreements_and_named_services_find_the_buyer():
    assert [(s, r, c, st) for _, s, r, c, st in [(x[0], x[1], x[2], x[3], y.status) for x, y in zip(
        sides("Poland agreed to buy 250 Abrams tanks from the United States."),
        detect_claims("Poland agreed to buy 250 Abrams tanks from the United States."))]] == \
        [("USA", "POL", "armored_vehicles", "committed")]
    assert [(s, r) for _, s, r, _, _ in sides("The Philippine Navy received two corvettes from South Korea.")] == [("KOR", "PHL")]
    assert [(s, r) for _, s, r, _, _ in sides("Japan delivered four radars to the Polish Air Force.")] == [("JPN", "POL")]
    assert [(s, r, c) for _, s, r, c, _ in sides("Poland bought 12 FA-50 jets from South Korea.")] == \
        [("KOR", "POL", "aircraft")]
    assert sides("The airline bought 12 A320 jets from France.") == []


def test_states_beyond_the_usual_suspects_and_arms_makers_are_sides():
    found = sides("Chad took delivery of Anka drones made by state-owned Turkish Aerospace in 2023, Chadian state "
                  "television reported.")
    assert [(s, r, c) for _, s, r, c, _ in found] == [("TUR", "TCD", "drones")]
    assert [(s, r) for _, s, r, _, _ in sides("Ankara has donated armoured vehicles to the Somali National Army.")] == \
        [("TUR", "SOM")]
    assert [(s, r) for _, s, r, _, _ in sides("India signed a deal to buy 31 MQ-9B armed drones from General Atomics.")] == \
        [("USA", "IND")]
    # An arms maker selling to its own state is procurement, not a transfer between states
    assert sides("The Pentagon awarded Lockheed Martin a $4 billion contract for more F-35 jets.") == []


def test_a_list_joined_by_along_with_and_a_deployment_to_a_region():
    found = sides("Venezuela bought the Igla-S missiles, along with Su-30 fighters, T-72 tanks and S-300VM air defense "
                  "systems, from Russia in the late 2000s.")
    assert [c for *_, c, _ in found] == ["air_defense", "aircraft", "armored_vehicles"]
    text = ("Iran has sent drones to Venezuela, officials said. "
            "The U.S. has sent warships and more than 10,000 troops to the Caribbean.")
    assert [(n, s, r) for n, s, r, _, _ in sides(text)] == [(0, "IRN", "VEN")]


def test_models_from_beyond_ukraine_and_orders():
    found = detect_claims("Poland ordered 180 K2 tanks and 212 K9 self-propelled howitzers from South Korea.")
    assert [(c.supplier, c.recipient, c.category, c.status) for c in found] == [
        ("KOR", "POL", "armored_vehicles", "committed"), ("KOR", "POL", "artillery_systems", "committed")]
    assert [(s, r, c) for _, s, r, c, _ in sides("Pakistan has sold JF-17s to Myanmar.")] == [("PAK", "MMR", "aircraft")]
    assert [(s, r, c) for _, s, r, c, _ in sides("Algeria has received its first Su-57 fighters from Russia.")] == \
        [("RUS", "DZA", "aircraft")]
    assert sides("Ehud Barak said the war would be long.") == []


def test_sources_targets_and_the_previous_subject():
    # SIPRI is a source, not Sweden; what a weapon is flown against is not moved
    assert sides("The United States remains the kingdom's biggest arms supplier, according to the Stockholm "
                 "International Peace Research Institute.") == []
    assert [(s, r, c) for _, s, r, c, _ in sides("Germany sent Ukraine IRIS-T systems to defend against Russian "
                                                 "missiles and drones.")] == [("DEU", "UKR", "air_defense")]
    text = ("Brazil bought 12 Mi-35M attack helicopters from Russia in the late 2000s. "
            "Its air force is now taking delivery of 36 Gripen fighter jets from Sweden's Saab.")
    assert [(n, s, r) for n, s, r, _, _ in sides(text)] == [(0, "RUS", "BRA"), (1, "SWE", "BRA")]


def test_armed_groups_and_big_customers():
    assert [(s, r, st) for _, s, r, _, st in sides("Rwanda's government has repeatedly denied arming the M23.")] == \
        [("RWA", None, "denied")]
    assert [(s, r, c) for _, s, r, c, _ in sides("Saudi Arabia has become one of the largest customers for Chinese "
                                                 "armed drones.")] == [("CHN", "SAU", "drones")]
    assert [(s, r) for _, s, r, _, _ in sides("India has been the world's largest buyer of Russian weapons.")] == \
        [("RUS", "IND")]


def test_a_system_sold_by_its_maker_state_names_the_supplier():
    assert [(s, r) for _, s, r, _, _ in sides("Riyadh took delivery of the more accurate DF-21 in the mid-2000s.")] == \
        [("CHN", "SAU")]
    assert [(s, r) for _, s, r, _, _ in sides("Nigeria is reported to have bought TB2s.")] == [("TUR", "NGA")]
    # Western systems often arrive second-hand from a third state: no guess
    assert [(s, r) for _, s, r, _, _ in sides("Ukraine received more Patriot systems.")] == [(None, "UKR")]


def test_goods_bought_by_a_state_arrive_there():
    found = sides("The first six of 24 former Danish F-16 fighters bought by Argentina arrived at Rio Cuarto air base.")
    assert [(s, r, c) for _, s, r, c, _ in found] == [("DNK", "ARG", "aircraft")]


def test_an_offer_is_not_a_commitment():
    assert sides("Moscow has also offered the Su-57 to India.") == []
    # 'the kingdom' is the state the article is about
    text = "Saudi Arabia buys Chinese drones. The kingdom first bought ballistic missiles from China in the 1980s."
    assert [(n, s, r) for n, s, r, _, _ in sides(text)] == [(0, "CHN", "SAU"), (1, "CHN", "SAU")]


def test_top_suppliers_and_dependence_are_transfers():
    assert [(s, r) for _, s, r, _, _ in sides("Morocco's biggest arms supplier remains the United States.")] == \
        [("USA", "MAR")]
    assert [(s, r) for _, s, r, _, _ in sides("Astana remains heavily dependent on Moscow for military equipment.")] == \
        [("RUS", "KAZ")]
    assert [(s, r, c) for _, s, r, c, _ in sides("Morocco orders spy satellites from Israel.")] == \
        [("ISR", "MAR", "technology")]


def test_units_of_the_system_just_named_are_its_transfer():
    text = ("New Delhi signed a contract with Moscow in 2018 for five squadrons of the S-400 air defence system. "
            "Three squadrons have been handed over so far.")
    assert [(n, s, r, c) for n, s, r, c, _ in sides(text)] == [(0, "RUS", "IND", "air_defense"),
                                                               (1, "RUS", "IND", "air_defense")]
