"""The committed parser model (models/parser/model) and the script that trains it."""

from __future__ import annotations

import socket

import pytest

from pipeline.claims import parser_train
from pipeline.claims.grammar import MODEL_DIR, load_parser, parse_form, parse_sentences, restore_text


@pytest.fixture(scope="module")
def nlp():
    """The committed model, loaded with every socket refused so any download attempt fails."""
    real_socket = socket.socket

    def no_network(*args, **kwargs):
        raise AssertionError("the parser tried to open a socket")

    socket.socket = no_network
    try:
        load_parser.cache_clear()
        return load_parser()
    finally:
        socket.socket = real_socket


def token(doc, text):
    """The first token of `doc` whose text is `text`."""
    return next(t for t in doc if t.text == text)


def test_load_parser_is_cached_and_has_the_trained_components(nlp):
    assert load_parser() is nlp
    assert {"tagger", "morphologizer", "parser", "lemmatizer"} <= set(nlp.pipe_names)
    assert nlp.meta["ewt_test"]["dep_las"] > 0.8
    assert "CC BY-SA 4.0" in nlp.meta["license"]


def test_load_parser_says_where_the_model_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no parser model at"):
        load_parser(tmp_path / "nowhere")


def children(tok, dep):
    """Texts of the children of `tok` attached with `dep`."""
    return [c.text for c in tok.children if c.dep_ == dep]


def test_active_transfer_with_recipient_phrase(nlp):
    doc = parse_sentences(["North Korea has sent over one million artillery shells to Russia."], nlp)[0]
    sent = token(doc, "sent")
    assert sent.dep_ == "ROOT" and sent.lemma_ == "send"
    assert sent.pos_ == "VERB" and sent.tag_ == "VBN"
    assert token(doc, "has").pos_ == "AUX" and token(doc, "has").lemma_ == "have"
    assert children(sent, "nsubj") == ["Korea"]
    assert children(sent, "obj") == ["shells"] and token(doc, "shells").lemma_ == "shell"
    russia = token(doc, "Russia")
    assert russia.head == sent and russia.dep_ == "obl" and children(russia, "case") == ["to"]


def test_double_object_recipient(nlp):
    doc = parse_sentences(["Germany will send Ukraine more Leopard tanks."], nlp)[0]
    send = token(doc, "send")
    assert send.dep_ == "ROOT"
    assert children(send, "nsubj") == ["Germany"]
    assert children(send, "iobj") == ["Ukraine"]
    assert children(send, "obj") == ["tanks"]


@pytest.mark.xfail(
    strict=True,
    reason="known limit of an EWT-trained parser: EWT's 649 iobj are nearly all pronouns ('gave me'); "
    "the model reads 'Russia' as obj and 'over' as a preposition. Strict: flags a model that gets it.",
)
def test_double_object_with_a_quantity_phrase(nlp):
    doc = parse_sentences(["North Korea has sent Russia over one million artillery shells."], nlp)[0]
    sent = token(doc, "sent")
    assert sent.dep_ == "ROOT" and children(sent, "nsubj") == ["Korea"]
    assert children(sent, "iobj") == ["Russia"]
    assert children(sent, "obj") == ["shells"]


def test_passive_transfer_with_agent(nlp):
    doc = parse_sentences(["Tanks were delivered to Ukraine by Germany."], nlp)[0]
    delivered = token(doc, "delivered")
    assert delivered.dep_ == "ROOT" and delivered.lemma_ == "deliver"
    assert children(delivered, "nsubj:pass") == ["Tanks"]
    assert children(delivered, "aux:pass") == ["were"]
    ukraine, germany = token(doc, "Ukraine"), token(doc, "Germany")
    assert ukraine.head == delivered and children(ukraine, "case") == ["to"]
    # The agent hangs from the passive verb with its "by"; after another oblique the model may label it
    # plain obl rather than obl:agent, so the frame code should read "by" under a passive verb as agent.
    assert germany.head == delivered and children(germany, "case") == ["by"]
    assert germany.dep_ in ("obl:agent", "obl")


def test_passive_agent_label(nlp):
    doc = parse_sentences(["Tanks were sent by Germany."], nlp)[0]
    assert token(doc, "Germany").dep_ == "obl:agent"
    assert token(doc, "Germany").head == token(doc, "sent")


def test_possessor_of_a_nominal_trigger(nlp):
    doc = parse_sentences(["Germany's decision to send tanks to Ukraine was criticised by Moscow."], nlp)[0]
    decision = token(doc, "decision")
    assert children(decision, "nmod:poss") == ["Germany"]
    assert token(doc, "send").head == decision
    assert children(token(doc, "send"), "obj") == ["tanks"]


@pytest.mark.parametrize(
    ("sentence", "word", "lemma"),
    [
        ("Moscow sent more drones to the front.", "sent", "send"),
        ("The supplies arrived in Kyiv last week.", "supplies", "supply"),
        ("Germany supplies tanks and howitzers to Ukraine.", "supplies", "supply"),
        ("The howitzers were delivered in March.", "delivered", "deliver"),
        ("The howitzers were delivered in March.", "howitzers", "howitzer"),
    ],
)
def test_lemmas_of_transfer_verbs_and_nouns(nlp, sentence, word, lemma):
    assert token(parse_sentences([sentence], nlp)[0], word).lemma_ == lemma


def test_parse_sentences_keeps_order_and_one_doc_per_sentence(nlp):
    texts = ["Iran supplied drones.", "", "France will deliver Caesar howitzers to Armenia."] * 200
    docs = parse_sentences(texts, nlp, batch_size=64)
    assert [d.text for d in docs] == texts
    assert all(len(list(d.sents)) <= 1 for d in docs if d.text)


def test_parse_overrides_reads_json_values():
    assert parser_train.parse_overrides(["training.max_steps=20", "paths.x=a/b"]) == {
        "training.max_steps": 20,
        "paths.x": "a/b",
    }
    with pytest.raises(ValueError, match="section.key=value"):
        parser_train.parse_overrides(["training.max_steps"])


def test_training_script_builds_a_loadable_parser_on_a_slice(shared_dir, tmp_path):
    data = shared_dir / "data" / "ud-english-ewt"
    if not data.is_dir():
        pytest.skip(f"{data} absent: the training smoke run needs UD English EWT")
    output = tmp_path / "model"
    argv = ["--data", str(data), "--work", str(tmp_path / "work"), "--output", str(output),
            "--limit", "200", "--set", "training.max_steps=6", "--set", "training.eval_frequency=3"]
    assert parser_train.main(argv) == 0
    smoke = load_parser(output)
    assert "parser" in smoke.pipe_names and smoke.get_pipe("parser").labels
    assert set(smoke.meta["ewt_test"]) >= {"dep_uas", "dep_las", "tag_acc", "lemma_acc"}
    doc = parse_sentences(["Germany sent tanks."], smoke)[0]
    assert len(doc) == 4 and doc.has_annotation("DEP")
    assert output != MODEL_DIR


def test_rule_candidates_follow_the_suffix_rules_in_order():
    rules = parser_train.LEMMA_RULES["verb"]
    assert parser_train.rule_candidates("transferred", rules)[0] == "transfer"
    assert parser_train.rule_candidates("supplies", parser_train.LEMMA_RULES["noun"])[0] == "supply"
    assert parser_train.rule_candidates("s", parser_train.LEMMA_RULES["noun"]) == []


@pytest.mark.parametrize("text, keep, form", [
    ("U.S. Sends Arms to Aid Iraq Fight With Extremists", [(22, 26)], "U.S. sends arms to aid Iraq fight with extremists"),
    ("NATO Allies Pledge More HIMARS for Ukraine", [(0, 4), (35, 42)], "NATO allies pledge more HIMARS for Ukraine"),
    ("TRUMP ANNOUNCES U.S. ATTACK ON IRANIAN DRONE", [], "Trump announces U.S. attack on iranian drone"),
])
def test_a_headline_is_parsed_in_sentence_case_with_names_kept(text, keep, form):
    assert parse_form(text, keep) == form
    assert len(form) == len(text)  # offsets found in the headline hold in its parsed form


@pytest.mark.parametrize("text", [
    "Ukrainian President Volodymyr Zelensky said Germany would send tanks.",
    "Germany sends tanks.",
    "",
])
def test_running_text_and_short_lines_are_parsed_as_written(text):
    assert parse_form(text, []) is None


def test_a_headline_parse_keeps_the_written_text_and_reads_the_verb(nlp):
    text = "U.S. Sends Arms to Aid Iraq Fight With Extremists"
    assert token(nlp(text), "Sends").tag_ != "VBZ"  # why: title case reads as a proper noun
    doc = restore_text(nlp(parse_form(text, [(22, 26)])), text)
    assert doc.text == text
    sends = token(doc, "Sends")
    assert (sends.tag_, sends.dep_) == ("VBZ", "ROOT")
    assert token(doc, "Arms").head.i == sends.i
