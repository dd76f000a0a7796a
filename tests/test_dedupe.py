"""dedupe: URL identity, near-duplicate articles, claim clusters and their alerts."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from pipeline import dedupe, store
from pipeline.models import Alert, Article, Base, Claim, ClaimCluster, RawPage, Source

MT = "https://www.themoscowtimes.com/2023/11/01/n-korea-sends-russia-artillery-rounds-for-satellite-technical-advice-seoul-a82959"

# An AFP-style story (written for these tests) and the ways outlets republish it.
AFP_STORY = """North Korea has sent Russia more than one million artillery shells for its war in Ukraine, a South Korean lawmaker said on Wednesday, citing information provided by Seoul's spy agency.
In return, Pyongyang appears to have received technical advice from Moscow on the development of a military reconnaissance satellite, the lawmaker told reporters after a closed-door briefing.
South Korea's National Intelligence Service told the parliamentary intelligence committee that the North had made at least ten arms transfers to Russia by ship and by air since early August.
"The NIS has learned that more than one million artillery rounds have been transferred," lawmaker Yoo Sang-bum said, adding that the amount would be sufficient for about two months of fighting.
Kim Jong Un and Vladimir Putin held a summit at a cosmodrome in Russia's Far East in September, after which Washington accused Pyongyang of supplying Moscow with munitions.
The United States said last month that North Korea had delivered more than a thousand containers of military equipment and munitions to Russia in recent weeks.
Both countries have denied the arms transfers, which would violate United Nations Security Council resolutions banning any trade in weapons with the isolated North.
Analysts say Pyongyang is seeking food, energy and advanced military technology in exchange, including help with its stalled space programme and nuclear-powered submarines."""

# Later stories on the same transfer: new figures around a little reused background (not copies).
FOLLOW_UP_JUNE = """North Korea has shipped as many as 4.8 million artillery shells to Russia in around 10,000 containers since last year, South Korea's defence minister said on Tuesday.
Shin Won-sik told reporters that the shipments had continued at a steady pace this year and that Pyongyang's munitions factories were running at full capacity to meet Russian demand.
The minister said the North had also sent dozens of short-range ballistic missiles that Russia had fired at Ukrainian cities, a claim Kyiv has backed with the remains of missiles recovered after strikes.
Seoul believes Pyongyang is receiving food, raw materials and parts for weapons manufacturing in return, Shin said, adding that the cooperation posed a grave threat to regional security.
Kim Jong Un and Vladimir Putin held a summit at a cosmodrome in Russia's Far East in September, after which Washington accused Pyongyang of supplying Moscow with munitions.
Putin is expected to visit Pyongyang in the coming weeks for the first time in 24 years, according to officials in Seoul who spoke on condition of anonymity."""

UNRELATED = """Wildfires have burned more than 200,000 hectares of forest across Siberia this summer, the regional emergencies ministry said, as firefighters struggled to contain blazes in remote areas.
Smoke from the fires drifted over several cities, forcing schools to close and airports to delay flights, while officials warned that dry weather would persist into the autumn.
Environmental groups said the official figures understated the scale of the damage, pointing to satellite images showing fires in protected reserves that had not been reported.
Authorities have blamed careless visitors and dry thunderstorms, and have introduced fines for lighting campfires in forests during the fire season."""


def _syndicated(outlet: str, body: str = AFP_STORY) -> str:
    return f"SEOUL ({outlet}) —\n{body}\nCopyright {outlet}. Read more on our website."


def _light_rewrite(body: str = AFP_STORY) -> str:
    """An outlet's edit: house spelling, a trimmed ending, one sentence of its own."""
    lines = body.split("\n")[:-1]
    lines.insert(3, "The figures could not be independently verified.")
    return "\n".join(lines).replace("programme", "program").replace("Wednesday", "Nov. 1")


@pytest.fixture
def Session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'dedupe.db'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _source(session, key: str) -> Source:
    return store.upsert_source(session, key, key.replace("_", " ").title(), f"https://{key}.example")


def _article(session, source: Source, ident: str, body: str = "", published: datetime | None = None,
             first_seen: datetime | None = None) -> Article:
    article = Article(
        identity=f"{source.key}:{ident}", source_id=source.id, url=f"https://{source.key}.example/{ident}",
        title=ident, body=body, content_sha256=hashlib.sha256(body.encode()).hexdigest(), published=published,
        first_seen_at=first_seen or published or datetime(2024, 1, 1, tzinfo=timezone.utc),
    )
    session.add(article)
    session.flush()
    return article


def _claim(sentence: str, *, supplier="PRK", recipient="RUS", category="artillery_ammunition", quantity=None,
           status="delivered", stance="affirmed", claimant=None, start=0) -> SimpleNamespace:
    return SimpleNamespace(
        supplier=supplier, recipient=recipient, category=category, item="artillery shells", quantity=quantity,
        status=status, stance=stance, claimant=claimant, sentence=sentence, start=start, end=start + len(sentence),
        cues=["test"],
    )


def _when(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, tzinfo=timezone.utc)


# --- URL identity --------------------------------------------------------------------------------


def test_url_variants_share_one_canonical_form():
    variants = [
        MT,
        "http://www.themoscowtimes.com/2023/11/01/n-korea-sends-russia-artillery-rounds-for-satellite-technical-advice-seoul-a82959/",
        MT + "?utm_source=twitter&utm_medium=social&fbclid=abc#comments",
        MT + "/pdf",
        MT + "/amp",
        MT.replace("www.themoscowtimes.com/", "www.themoscowtimes.com/amp/"),
        MT.replace("https://www.", "https://"),
    ]
    canonical = {dedupe.canonicalize_url(url) for url in variants}
    assert canonical == {MT.replace("https://www.", "https://")}
    other = dedupe.canonicalize_url(MT.replace("a82959", "a82960"))
    assert other not in canonical


def test_canonical_form_keeps_content_parameters_and_drops_only_tracking():
    url = "https://Example.com:443/news/article.php?page=2&id=5&gallery=1&utm_campaign=x&cmp=rss&amp=1#top"
    assert dedupe.canonicalize_url(url) == "https://example.com/news/article.php?gallery=1&id=5&page=2"
    assert dedupe.canonicalize_url("https://www.bbc.co.uk/news/world-europe-67281234.amp") == (
        "https://bbc.co.uk/news/world-europe-67281234"
    )
    google_amp = "https://www-bbc-co-uk.cdn.ampproject.org/c/s/www.bbc.co.uk/news/world-europe-67281234.amp"
    assert dedupe.canonicalize_url(google_amp) == "https://bbc.co.uk/news/world-europe-67281234"
    # A one-segment path named "pdf" is a page, not a rendering of its parent.
    assert dedupe.canonicalize_url("https://example.com/pdf") == "https://example.com/pdf"


def test_local_hosts_keep_scheme_and_port():
    url = "http://127.0.0.1:8123/2023/11/01/slug-a82959/?utm_source=rss"
    assert dedupe.canonicalize_url(url) == "http://127.0.0.1:8123/2023/11/01/slug-a82959"
    assert dedupe.canonicalize_url("http://localhost:9000/news/") == "http://localhost:9000/news"


def test_moscow_times_identity_is_the_article_id():
    variants = [
        MT,
        MT + "/pdf",
        MT + "?utm_source=rss",
        "https://www.themoscowtimes.com/all/82959",
        "https://www.themoscowtimes.com/2023/11/01/a-different-slug-a82959",
        "https://www.themoscowtimes.com/amp/2023/11/01/slug-a82959",
        "http://127.0.0.1:8000/2023/11/01/slug-a82959",  # the local mirror shares the site's paths
    ]
    assert {dedupe.url_identity(url, "moscow_times") for url in variants} == {"moscow_times:a82959"}
    tag = dedupe.url_identity("https://www.themoscowtimes.com/tag/north-korea/", "moscow_times")
    assert tag == "moscow_times:https://themoscowtimes.com/tag/north-korea"
    # The a<digits> rule is Moscow Times only; other sources are identified by their canonical URL.
    assert dedupe.url_identity("https://example.com/story-a123/?ref=home", "example") == (
        "example:https://example.com/story-a123"
    )


def test_one_article_under_four_urls_is_stored_once(Session):
    urls = [MT, MT + "/pdf", "http://themoscowtimes.com/all/82959", MT + "/?utm_campaign=daily#top"]
    with Session() as session, session.begin():
        source = _source(session, "moscow_times")
        results = [
            store.upsert_raw_page(session, source_id=source.id, identity=dedupe.url_identity(url, source.key),
                                  url=url, html=b"<html>same article</html>")
            for url in urls
        ]
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(RawPage)) == 1
        assert session.scalar(select(RawPage.identity)) == "moscow_times:a82959"
    assert [changed for _page, changed in results] == [True, False, False, False]


# --- near-duplicate articles -----------------------------------------------------------------------


def test_signature_survives_storage_and_processes():
    signature = dedupe.minhash_signature(AFP_STORY)
    data = dedupe.signature_to_bytes(signature)
    again = dedupe.signature_from_bytes(data)
    assert again.size == signature.size > 100
    assert list(again.minhash.hashvalues) == list(signature.minhash.hashvalues)
    # Another interpreter (another hash seed) must produce the same bytes, or a rebuilt index breaks.
    code = (
        "import sys, json; from pipeline import dedupe; "
        "print(dedupe.signature_to_bytes(dedupe.minhash_signature(json.load(sys.stdin))).hex())"
    )
    other = subprocess.run([sys.executable, "-c", code], input=json.dumps(AFP_STORY), capture_output=True,
                           text=True, check=True, env={"PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == data.hex()


@pytest.mark.parametrize(
    "name, text, is_copy",
    [
        ("syndicated with outlet boilerplate", _syndicated("Yonhap"), True),
        ("cut to its first half", "\n".join(AFP_STORY.split("\n")[:4]), True),
        ("light rewrite", _light_rewrite(), True),
        ("follow-up reusing one background paragraph", FOLLOW_UP_JUNE, False),
        ("the story plus as much new reporting", AFP_STORY + "\n" + FOLLOW_UP_JUNE, False),
        ("unrelated story", UNRELATED, False),
        ("too short to judge", "North Korea has sent Russia more than one million artillery shells.", False),
    ],
)
def test_index_finds_copies_and_only_copies(name, text, is_copy):
    index = dedupe.NearDuplicateIndex()
    index.add(7, dedupe.minhash_signature(AFP_STORY))
    assert index.find(dedupe.minhash_signature(text)) == (7 if is_copy else None), name


def test_index_links_only_to_the_earliest_earlier_article():
    index = dedupe.NearDuplicateIndex()
    index.add(5, dedupe.minhash_signature(AFP_STORY), order_key=(2,))
    index.add(3, dedupe.minhash_signature(_syndicated("AFP")), order_key=(1,))  # seen first, indexed last
    rewrite = dedupe.minhash_signature(_light_rewrite())
    assert index.find(rewrite) == 3
    assert index.find(rewrite, before=(2,)) == 3
    assert index.find(rewrite, before=(1,)) is None
    assert [match[0] for match in index.matches(rewrite)] == [3, 5]


def test_real_articles_are_not_copies_of_each_other_but_their_copies_are(shared_dir):
    truth = json.loads((shared_dir / "data" / "article-extraction" / "ground-truth.json").read_text())
    bodies = [entry["articleBody"] for entry in truth.values() if len(entry["articleBody"].split()) > 150][:40]
    index = dedupe.NearDuplicateIndex()
    false = []
    for number, body in enumerate(bodies):
        signature = dedupe.minhash_signature(body)
        if index.find(signature) is not None:
            false.append(number)
        index.add(number, signature)
    assert false == []
    copies = [index.find(dedupe.minhash_signature(_syndicated("AFP", body))) for body in bodies]
    assert copies == list(range(len(bodies)))


def test_afp_story_in_three_outlets_is_analysed_once_and_credited_to_all(Session):
    with Session() as session, session.begin():
        outlets = [_source(session, key) for key in ("moscow_times", "yonhap", "kyiv_post")]
        first = _article(session, outlets[0], "a1", _syndicated("AFP"), first_seen=_when(2023, 11, 1))
        second = _article(session, outlets[1], "a2", _syndicated("AFP via Yonhap"), first_seen=_when(2023, 11, 2))
        third = _article(session, outlets[2], "a3", _light_rewrite(), first_seen=_when(2023, 11, 3))
        other = _article(session, outlets[2], "a4", UNRELATED, first_seen=_when(2023, 11, 4))
        ids = [other.id, third.id, second.id, first.id]  # any order: first seen wins
        counts = dedupe.mark_near_duplicates(session, ids)
    assert counts == {"articles": 4, "duplicates": 2, "canonical": 2, "changed": 2}
    with Session() as session, session.begin():
        linked = dict(session.execute(select(Article.id, Article.duplicate_of_id)).all())
        assert linked == {first.id: None, second.id: first.id, third.id: first.id, other.id: None}
        # What the detect step analyses: canonical articles only.
        analysed = session.scalars(select(Article.id).where(Article.duplicate_of_id.is_(None))).all()
        assert sorted(analysed) == sorted([first.id, other.id])
        sentence = "North Korea has sent Russia more than one million artillery shells."
        decision = dedupe.record_claim(session, article=session.get(Article, first.id), claim=_claim(
            sentence, quantity={"min": 1e6, "max": None, "unit": "rounds"}, claimant="Seoul's spy agency"))
        assert decision.kind == "NEW"
        assert decision.cluster.source_count == 3
        timeline = dedupe.cluster_timeline(session, decision.cluster.id)
    assert [s["outlet"] for s in timeline["sources"]] == ["Moscow Times", "Yonhap", "Kyiv Post"]
    assert [s["copy_of"] for s in timeline["sources"]] == [None, first.id, first.id]
    assert timeline["outlet_count"] == 3


def test_marking_is_idempotent_and_credits_copies_found_later(Session):
    with Session() as session, session.begin():
        outlets = [_source(session, key) for key in ("afp", "yonhap")]
        first = _article(session, outlets[0], "a1", AFP_STORY, first_seen=_when(2023, 11, 1))
        assert dedupe.mark_near_duplicates(session, [first.id])["canonical"] == 1
        decision = dedupe.record_claim(session, article=first, claim=_claim("North Korea sent shells."))
        assert decision.cluster.source_count == 1
        # A copy arrives in a later run, after the claim was recorded: the cluster gains a source.
        copy = _article(session, outlets[1], "a2", _syndicated("Yonhap"), first_seen=_when(2023, 11, 2))
        assert dedupe.mark_near_duplicates(session, [copy.id])["duplicates"] == 1
        assert session.get(ClaimCluster, decision.cluster.id).source_count == 2
        before = {a.id: (a.minhash, a.duplicate_of_id) for a in session.scalars(select(Article))}
        again = dedupe.mark_near_duplicates(session, [copy.id, first.id])
        after = {a.id: (a.minhash, a.duplicate_of_id) for a in session.scalars(select(Article))}
    assert again["changed"] == 0 and again["duplicates"] == 1
    assert after == before
    assert after[copy.id][1] == first.id


def test_a_copy_rewritten_into_another_story_loses_its_link_and_credit(Session):
    with Session() as session, session.begin():
        outlets = [_source(session, key) for key in ("afp", "yonhap")]
        first = _article(session, outlets[0], "a1", AFP_STORY, first_seen=_when(2023, 11, 1))
        copy = _article(session, outlets[1], "a2", _syndicated("Yonhap"), first_seen=_when(2023, 11, 2))
        dedupe.mark_near_duplicates(session, [first.id, copy.id])
        decision = dedupe.record_claim(session, article=first, claim=_claim("North Korea sent shells."))
        assert decision.cluster.source_count == 2
        # The outlet replaces its copy with its own reporting; the store empties minhash on changed text.
        copy.body, copy.minhash = FOLLOW_UP_JUNE, None
        counts = dedupe.mark_near_duplicates(session, [copy.id])
        assert counts == {"articles": 1, "duplicates": 0, "canonical": 1, "changed": 1}
        assert copy.duplicate_of_id is None and copy.minhash is not None
        assert session.get(ClaimCluster, decision.cluster.id).source_count == 1


# --- claim clusters ----------------------------------------------------------------------------------


def test_north_korea_shells_story_gives_new_update_update_and_counts_re_reports(Session):
    with Session() as session, session.begin():
        mt, yonhap, reuters = (_source(session, k) for k in ("moscow_times", "yonhap", "reuters"))
        first = _article(session, mt, "nov", "", published=_when(2023, 11, 1))
        decision = dedupe.record_claim(session, article=first, claim=_claim(
            "North Korea has sent Russia over one million artillery shells, citing Seoul's spy agency.",
            quantity={"min": 1000000, "max": None, "unit": "rounds"},
            claimant="South Korea's National Intelligence Service"))
        assert (decision.kind, decision.change, decision.is_new_row) == ("NEW", None, True)
        cluster_id = decision.cluster.id
        re_reports = []
        for number, source in enumerate((yonhap, reuters, mt)):
            article = _article(session, source, f"re{number}", "", published=_when(2023, 12, 5 + number))
            re_reports.append(dedupe.record_claim(session, article=article, claim=_claim(
                "Seoul's spy agency says the North has shipped more than one million shells to Russia.",
                quantity={"min": 1000000, "max": None, "unit": "rounds"},
                claimant="Seoul's spy agency")))
        assert [d.kind for d in re_reports] == [None, None, None]
        assert {d.cluster.id for d in re_reports} == {cluster_id}
        assert session.get(ClaimCluster, cluster_id).source_count == 4
        june = _article(session, yonhap, "june", "", published=_when(2024, 6, 4))
        update = dedupe.record_claim(session, article=june, claim=_claim(
            "North Korea has shipped up to 4.8 million shells in about 10,000 containers, the defence minister said.",
            quantity={"min": None, "max": 4800000, "unit": "rounds"}, claimant="defence minister Shin Won-sik"))
        august = _article(session, reuters, "aug", "", published=_when(2024, 8, 20))
        second_update = dedupe.record_claim(session, article=august, claim=_claim(
            "Pyongyang has sent up to 6 million shells in 13,000 containers, military intelligence said.",
            quantity={"min": None, "max": 6000000, "unit": "rounds"}, claimant="Ukraine's military intelligence"))
    assert update.kind == "UPDATE" and update.cluster.id == cluster_id
    assert "up to 4.8 million, was more than 1 million" in update.change
    assert "new claimant: official (defence minister Shin Won-sik)" in update.change
    assert second_update.kind == "UPDATE" and second_update.cluster.id == cluster_id
    assert "up to 6 million, was up to 4.8 million" in second_update.change
    assert "new claimant" not in second_update.change  # intelligence was already a source
    with Session() as session:
        cluster = session.get(ClaimCluster, cluster_id)
        assert session.scalar(select(func.count()).select_from(ClaimCluster)) == 1
        assert cluster.source_count == 6
        assert (cluster.quantity_min, cluster.quantity_max, cluster.quantity_unit) == (None, 6e6, "rounds")
        assert [entry["alert"] for entry in cluster.history] == ["NEW", "UPDATE", "UPDATE"]
        assert cluster.first_seen_at == _when(2023, 11, 1) and cluster.last_seen_at == _when(2024, 8, 20)
        assert cluster.claimant_kinds == ["intelligence", "official"]


def test_recording_the_same_claim_twice_changes_nothing(Session):
    claim = _claim("North Korea sent more than a million shells.", quantity={"min": 1e6, "max": None, "unit": "rounds"})
    with Session() as session, session.begin():
        article = _article(session, _source(session, "afp"), "a1", "", published=_when(2023, 11, 1))
        first = dedupe.record_claim(session, article=article, claim=claim)
    with Session() as session, session.begin():
        article = session.get(Article, article.id)
        snapshot = session.get(ClaimCluster, first.cluster.id)
        history, count = list(snapshot.history), snapshot.source_count
        again = dedupe.record_claim(session, article=article, claim=claim, run_id=None)
        assert (again.kind, again.change, again.is_new_row) == (None, None, False)
        assert again.claim_row.id == first.claim_row.id and again.cluster.id == first.cluster.id
        assert session.scalar(select(func.count()).select_from(Claim)) == 1
        assert (list(again.cluster.history), again.cluster.source_count) == (history, count)
        assert not session.dirty


def test_denial_is_an_update_once_and_does_not_corroborate(Session):
    with Session() as session, session.begin():
        source = _source(session, "tass")
        base = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2023, 10, 1)),
                                   claim=_claim("North Korea sent shells to Russia, officials said.",
                                                claimant="US officials"))
        denial = dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2023, 10, 2)),
                                     claim=_claim("Moscow denied receiving weapons from Pyongyang.",
                                                  category="unspecified", stance="denied", claimant="the Kremlin"))
        repeat = dedupe.record_claim(session, article=_article(session, source, "a3", "", _when(2023, 10, 3)),
                                     claim=_claim("Pyongyang again denied sending arms to Russia.",
                                                  category="unspecified", stance="denied", claimant="Pyongyang"))
    assert base.kind == "NEW"
    assert denial.kind == "UPDATE" and denial.cluster.id == base.cluster.id
    assert denial.change == "denied by the Kremlin"
    assert repeat.kind is None and repeat.cluster.id == base.cluster.id
    assert repeat.cluster.stance == "disputed"
    assert repeat.cluster.source_count == 1
    assert repeat.cluster.status == "delivered"


def test_official_confirmation_after_media_reports_is_an_update(Session):
    with Session() as session, session.begin():
        source = _source(session, "reuters")
        report = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                                     claim=_claim("Iran has supplied drones to Russia, sources said.",
                                                  supplier="IRN", category="drones", claimant="sources"))
        again = dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2024, 1, 5)),
                                    claim=_claim("Iran supplied drones to Russia, media reported.",
                                                 supplier="IRN", category="drones", claimant="Iranian media"))
        confirmed = dedupe.record_claim(session, article=_article(session, source, "a3", "", _when(2024, 2, 1)),
                                        claim=_claim("Washington confirmed Iran had sent drones to Russia.",
                                                     supplier="IRN", category="drones", claimant="the Pentagon"))
    assert [report.kind, again.kind, confirmed.kind] == ["NEW", None, "UPDATE"]
    assert confirmed.change == "new claimant: official (the Pentagon)"


def test_different_transfers_get_their_own_clusters(Session):
    with Session() as session, session.begin():
        source = _source(session, "ap")
        shells = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                                     claim=_claim("North Korea sent shells to Russia."))
        missiles = dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2024, 1, 2)),
                                       claim=_claim("North Korea sent KN-23 missiles to Russia.", category="missiles"))
        reverse = dedupe.record_claim(session, article=_article(session, source, "a3", "", _when(2024, 1, 3)),
                                      claim=_claim("Russia gave North Korea satellite technology.",
                                                   supplier="RUS", recipient="PRK", category="technology"))
        packages = [
            dedupe.record_claim(session, article=_article(session, source, f"p{n}", "", _when(2024, 2, n + 1)),
                                claim=_claim(f"The US announced a ${amount} military aid package for Ukraine.",
                                             supplier="USA", recipient="UKR", category="unspecified",
                                             status="committed",
                                             quantity={"min": amount, "max": amount, "unit": "usd"}))
            for n, amount in enumerate((2.5e9, 1.0e9, 2.5e9))
        ]
        generic = dedupe.record_claim(session, article=_article(session, source, "a4", "", _when(2024, 1, 4)),
                                      claim=_claim("North Korea has been arming Russia.", category="unspecified"))
        years_later = dedupe.record_claim(session, article=_article(session, source, "a5", "", _when(2026, 3, 1)),
                                          claim=_claim("North Korea sent shells to Russia."))
    assert [shells.kind, missiles.kind, reverse.kind] == ["NEW", "NEW", "NEW"]
    assert len({shells.cluster.id, missiles.cluster.id, reverse.cluster.id}) == 3
    assert [p.kind for p in packages] == ["NEW", "NEW", None]
    assert packages[2].cluster.id == packages[0].cluster.id != packages[1].cluster.id
    assert generic.kind is None and generic.cluster.id in {shells.cluster.id, missiles.cluster.id}
    assert years_later.kind == "NEW" and years_later.cluster.id != shells.cluster.id


def test_one_article_gives_one_alert_per_cluster(Session):
    with Session() as session, session.begin():
        article = _article(session, _source(session, "moscow_times"), "a1", "", _when(2023, 11, 1))
        headline = dedupe.record_claim(session, article=article, claim=_claim(
            "N. Korea Sends Russia Artillery Rounds", start=0))
        body = dedupe.record_claim(session, article=article, claim=_claim(
            "The NIS has learned that more than one million artillery rounds have been transferred.", start=60,
            quantity={"min": 1e6, "max": None, "unit": "rounds"}, claimant="South Korea's National Intelligence Service"))
        later = dedupe.record_claim(session, article=_article(session, _source(session, "yonhap"), "a2", "",
                                                              _when(2023, 11, 5)),
                                    claim=_claim("Russian officials confirmed receiving the shells.",
                                                 claimant="Russian officials"))
    assert [headline.kind, body.kind, later.kind] == ["NEW", None, "UPDATE"]
    assert body.cluster.id == headline.cluster.id == later.cluster.id
    assert later.change == "new claimant: party (Russian officials)"
    # The body's figure and claimant are kept, so the next report of them is no news either.
    assert [entry["alert"] for entry in later.cluster.history] == ["NEW", None, "UPDATE"]
    assert later.cluster.quantity_min == 1e6
    assert later.cluster.claimant_kinds == ["media", "intelligence", "party"]


def test_general_claims_join_specific_clusters_only_without_a_foreign_figure(Session):
    with Session() as session, session.begin():
        source = _source(session, "ap")
        himars = dedupe.record_claim(session, article=_article(session, source, "a1", "", _when(2024, 1, 1)),
                                     claim=_claim("The US sent 20 HIMARS to Ukraine.", supplier="USA",
                                                  recipient="UKR", category="artillery_systems",
                                                  quantity={"min": 20, "max": 20, "unit": "items"}))
        weapons = dedupe.record_claim(session, article=_article(session, source, "a2", "", _when(2024, 1, 2)),
                                      claim=_claim("The US keeps arming Ukraine.", supplier="USA", recipient="UKR",
                                                   category="unspecified"))
        package = dedupe.record_claim(session, article=_article(session, source, "a3", "", _when(2024, 1, 3)),
                                      claim=_claim("The US sent a $2.5 billion package to Ukraine.", supplier="USA",
                                                   recipient="UKR", category="unspecified",
                                                   quantity={"min": 2.5e9, "max": 2.5e9, "unit": "usd"}))
    assert [himars.kind, weapons.kind, package.kind] == ["NEW", None, "NEW"]
    assert weapons.cluster.id == himars.cluster.id != package.cluster.id
    assert himars.cluster.quantity_unit == "items" and package.cluster.quantity_unit == "usd"


def test_old_news_is_recorded_without_an_alert(Session):
    with Session() as session, session.begin():
        source = _source(session, "yonhap")
        latest = dedupe.record_claim(session, article=_article(session, source, "aug", "", _when(2024, 8, 1)),
                                     claim=_claim("Up to 6 million shells.", quantity={"min": None, "max": 6e6,
                                                                                    "unit": "rounds"}))
        older = dedupe.record_claim(session, article=_article(session, source, "jun", "", _when(2024, 6, 1)),
                                    claim=_claim("Up to 4.8 million shells.", quantity={"min": None, "max": 4.8e6,
                                                                                     "unit": "rounds"}))
        bigger = dedupe.record_claim(session, article=_article(session, source, "oct", "", _when(2024, 10, 1)),
                                     claim=_claim("Up to 9 million shells.", quantity={"min": None, "max": 9e6,
                                                                                    "unit": "rounds"}))
    assert [latest.kind, older.kind, bigger.kind] == ["NEW", None, "UPDATE"]
    history = bigger.cluster.history
    assert [(entry["alert"], entry["quantity"]["max"]) for entry in history] == [
        ("NEW", 6e6), (None, 4.8e6), ("UPDATE", 9e6)
    ]
    assert bigger.change == "up to 9 million, was up to 6 million rounds"


@pytest.mark.parametrize(
    "claimant, stance, kind",
    [
        (None, "affirmed", "media"),
        ("people familiar with the matter", "affirmed", "media"),
        ("The Wall Street Journal", "affirmed", "media"),
        ("South Korea's National Intelligence Service", "affirmed", "intelligence"),
        ("Ukraine's military intelligence (HUR)", "hedged", "intelligence"),
        ("South Korea's defence minister Shin Won-sik", "affirmed", "official"),
        ("the Pentagon", "affirmed", "official"),
        ("Western diplomats", "hedged", "official"),
        ("Conflict Armament Research", "affirmed", "research"),
        ("the Kremlin", "affirmed", "party"),
        ("North Korean state media", "affirmed", "party"),
        ("Russian Defence Minister Andrei Belousov", "affirmed", "party"),
        ("Russian media", "affirmed", "media"),
        ("The Moscow Times", "affirmed", "media"),
        ("the Kremlin", "denied", "denial"),
        ("Yoo Sang-bum", "affirmed", "other"),
        ("Tokyo and Washington", "affirmed", "official"),
        ("the Kyiv Independent", "affirmed", "media"),
    ],
)
def test_claimant_kinds(claimant, stance, kind):
    assert dedupe.classify_claimant(claimant, stance, supplier="PRK", recipient="RUS") == kind


def test_claimant_is_a_party_only_for_its_own_transfer():
    assert dedupe.classify_claimant("the Kremlin", "affirmed", supplier="IRN", recipient="RUS") == "party"
    assert dedupe.classify_claimant("the Kremlin", "affirmed", supplier="USA", recipient="UKR") == "official"


@pytest.mark.parametrize(
    "quantity, text",
    [
        ({"min": 1e6, "max": None, "unit": "rounds"}, "more than 1 million rounds"),
        ({"min": None, "max": 4.8e6, "unit": "rounds"}, "up to 4.8 million rounds"),
        ({"min": 2.5e9, "max": 2.5e9, "unit": "usd"}, "$2.5 billion"),
        ({"min": 10000, "max": 13000, "unit": "containers"}, "10,000 to 13,000 containers"),
        ({"min": 12, "max": 12, "unit": "items"}, "12"),
        (None, "no figure"),
    ],
)
def test_format_quantity(quantity, text):
    assert dedupe.format_quantity(quantity) == text


def test_list_clusters_and_timeline(Session):
    with Session() as session, session.begin():
        mt, yonhap = _source(session, "moscow_times"), _source(session, "yonhap")
        first = dedupe.record_claim(session, article=_article(session, mt, "a1", "", _when(2023, 11, 1)),
                                    claim=_claim("Over one million shells.", quantity={"min": 1e6, "max": None,
                                                                                    "unit": "rounds"}))
        dedupe.record_claim(session, article=_article(session, yonhap, "a2", "", _when(2023, 11, 3)),
                            claim=_claim("More than a million shells, NIS says.", quantity={"min": 1e6, "max": None,
                                                                                         "unit": "rounds"},
                                         claimant="the NIS"))
        other = dedupe.record_claim(session, article=_article(session, yonhap, "a3", "", _when(2024, 2, 1)),
                                    claim=_claim("Iran sent drones to Russia.", supplier="IRN", category="drones"))
        session.add(Alert(uid="u1", kind="NEW", cluster_id=first.cluster.id, claim_id=first.claim_row.id,
                          summary="NEW transfer claim", change=None))
    with Session() as session:
        listed = dedupe.list_clusters(session)
        timeline = dedupe.cluster_timeline(session, first.cluster.id)
        missing = dedupe.cluster_timeline(session, 999)
    assert [c["id"] for c in listed] == [other.cluster.id, first.cluster.id]
    shells = listed[1]
    assert shells["source_count"] == 2 and shells["outlet_count"] == 2
    assert shells["quantity"] == {"min": 1e6, "max": None, "unit": "rounds"}
    assert (shells["supplier"], shells["recipient"], shells["category"]) == ("PRK", "RUS", "artillery_ammunition")
    assert shells["latest_outlet"] == "Yonhap" and shells["latest_sentence"] == "More than a million shells, NIS says."
    assert [s["outlet"] for s in timeline["sources"]] == ["Moscow Times", "Yonhap"]
    assert [s["claimant_kind"] for s in timeline["sources"]] == ["media", "intelligence"]
    assert timeline["sources"][0]["at"] < timeline["sources"][1]["at"]
    assert [a["kind"] for a in timeline["alerts"]] == ["NEW"]
    assert [entry["alert"] for entry in timeline["history"]] == ["NEW", "UPDATE"]
    assert missing is None
    json.dumps(listed, default=str)  # the CLI prints these as JSON


def test_a_clusters_latest_sentence_is_a_body_sentence_not_the_headline(Session):
    with Session() as session, session.begin():
        source = _source(session, "mt")
        title = "North Korea Has Shipped Over a Million Shells to Russia"
        article = _article(session, source, "a1", "", _when(2023, 11, 1))
        article.title = title
        body = "North Korea has sent Russia more than one million artillery shells, lawmakers said."
        dedupe.record_claim(session, article=article, claim=_claim(body, claimant="lawmakers", start=60))
        dedupe.record_claim(session, article=article, claim=_claim(title, start=0))
        denial = _article(session, source, "a2", "", _when(2023, 11, 2))
        dedupe.record_claim(session, article=denial, claim=_claim("The Kremlin denied buying shells.",
                                                                  stance="denied", claimant="The Kremlin"))
        (cluster,) = dedupe.list_clusters(session)
    assert cluster["latest_sentence"] == body
    assert cluster["stance"] == "disputed"
