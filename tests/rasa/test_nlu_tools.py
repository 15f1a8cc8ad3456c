"""The trainers' tools on temporary files: nlu_check (file:line problems), nlu_review (export
from a real Rasa SQLite tracker store written by Rasa's own SQLTrackerStore, merge back into
data files), nlu_eval (report directory with metrics, confusion matrix and comparison, against
the real trained model)."""
from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from scripts import nlu_check, nlu_eval, nlu_overlap, nlu_review

ROOT = Path(__file__).resolve().parents[2]

PY = sys.executable
DOMAIN = ROOT / "rasa_project" / "domain"


def block(intent, examples):
    return f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {e}\n" for e in examples)


def many(prefix, n=10):
    return [f"{prefix} contoh nomor {i}" for i in range(n)]


# ------------------------------------------------------------------------------ nlu_check
def test_repository_nlu_data_passes_the_checks():
    problems = nlu_check.run_checks(ROOT / "data" / "nlu", DOMAIN)
    errors = [p for p in problems if p.startswith("ERROR")]
    assert errors == [], "\n".join(errors)


def test_check_names_file_and_line_of_each_problem(tmp_path):
    d = tmp_path / "nlu"
    d.mkdir()
    (d / "sim.yml").write_text('version: "3.1"\nnlu:\n'
                               + block("sim_biaya", many("biaya sim") + ["berapa biaya sim"])
                               + block("sim_usia", ["umur sim", "berapa biaya sim"]))
    (d / "skck.yml").write_text('version: "3.1"\nnlu:\n'
                                + block("skck_biaya", many("biaya skck") + ["biaya skck contoh nomor 3"])
                                + block("sim_golongan", many("golongan"))
                                + block("golongan", many("tanpa topik")))
    problems = nlu_check.run_checks(d, DOMAIN)
    text = "\n".join(problems)
    # conflict: "berapa biaya sim" is sim_biaya (line 15) and sim_usia (line 19)
    assert any("sim.yml:19" in p and "bertentangan" in p and "sim.yml:15" in p for p in problems), text
    # too few examples for sim_usia (first example on line 18)
    assert any("sim.yml:18" in p and "sim_usia" in p and "minimal 10" in p for p in problems), text
    # exact duplicate inside skck_biaya (line 15 repeats line 8)
    assert any("skck.yml:15" in p and "contoh ganda" in p for p in problems), text
    # sim_ intent in the skck file, intent without a topic prefix
    assert any("sim_golongan" in p and "data/nlu/sim.yml" in p for p in problems), text
    assert any("'golongan'" in p and "diawali topik" in p for p in problems), text
    # intents of the domain with no examples here are reported against the domain
    assert any("skck_syarat" in p and "tidak punya contoh" in p for p in problems), text


def test_check_cli_exit_status(tmp_path):
    d = tmp_path / "nlu"
    d.mkdir()
    (d / "sapaan.yml").write_text('version: "3.1"\nnlu:\n' + block("sapaan_halo", ["halo"]))
    r = subprocess.run([PY, str(ROOT / "scripts" / "nlu_check.py"), "--data", str(d), "--domain",
                        str(tmp_path / "nodomain")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1
    assert "sapaan.yml:5" in r.stdout and "sapaan_halo" in r.stdout


def test_check_flags_guard_rule_that_refuses_a_hard_negative(tmp_path):
    d = tmp_path / "nlu"
    d.mkdir()
    (d / "pasal.yml").write_text('version: "3.1"\nnlu:\n' + block(
        "pasal_cari", many("pasal") + ["gaji polisi yang korup pasal apa"]))
    guard = tmp_path / "guard.yml"
    guard.write_text("rules:\n  - id: terlalu_luas\n    intent: blokir_gaji\n"
                     "    patterns: ['gaji\\s+polisi']\n")
    problems = nlu_check.run_checks(d, tmp_path / "nodomain", guard)
    assert any("pasal.yml:15" in p and "terlalu_luas" in p for p in problems), problems


# ------------------------------------------------------------------------------ nlu_overlap
def test_overlap_check_names_both_sides_and_fails(tmp_path):
    data = tmp_path / "nlu"
    data.mkdir()
    (data / "skck.yml").write_text('version: "3.1"\nnlu:\n' + block(
        "skck_biaya", ["berapa biaya bikin [skck](dokumen) di polres", "ongkos surat kelakuan baik"]))
    (data / "sinonim.yml").write_text('version: "3.1"\nnlu:\n- synonym: SIM C\n  examples: |\n'
                                      '    - sim motor\n')
    tests = tmp_path / "holdout.yml"
    tests.write_text('version: "3.1"\nnlu:\n' + block("skck_biaya", [
        "Berapa biaya bikin SKCK di Polres?",      # exact after normalising (case, punctuation)
        "berapa biaya bikin skck di polresta",     # near: ratio >= 0.90
        "sim motor",                               # a synonym counts as training text
        "syarat perpanjang stnk lima tahunan"]))  # unrelated
    dialogues = tmp_path / "dialogues.yml"
    dialogues.write_text("dialogues:\n- id: x\n  turns:\n  - user: ongkos surat kelakuan baik\n")
    r = subprocess.run([PY, str(ROOT / "scripts" / "nlu_overlap.py"), "--data", str(data), "--only",
                        str(tests), str(dialogues)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1, r.stdout
    out = r.stdout
    assert f"{tests}:5" in out and "skck.yml:5" in out and "sama persis" in out, out
    assert f"{tests}:6" in out and "mirip 0.9" in out, out
    assert f"{tests}:7" in out and "sinonim.yml:5" in out, out
    assert f"{dialogues}:4" in out and "skck.yml:6" in out, out
    assert f"{tests}:8" not in out
    assert "3 exact, 1 near" in out
    # nothing to report -> exit 0
    tests.write_text('version: "3.1"\nnlu:\n' + block("skck_biaya", ["syarat perpanjang stnk lima tahunan"]))
    r = subprocess.run([PY, str(ROOT / "scripts" / "nlu_overlap.py"), "--data", str(data), "--only",
                        str(tests)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "0 exact, 0 near" in r.stdout, r.stdout


def test_overlap_prefilter_gives_exactly_the_difflib_answer():
    """rapidfuzz only preselects; the verdict equals plain difflib on every pair (either order)."""
    import difflib
    import random

    rng = random.Random(17)
    words = "sim skck biaya berapa brp syarat bikin buat pasal kuhp baru lama polres batang gaji".split()
    train = [nlu_overlap.Phrase("t.yml", i, " ".join(rng.choices(words, k=rng.randint(2, 6))))
             for i in range(300)]
    tests = [nlu_overlap.Phrase("h.yml", i, " ".join(rng.choices(words, k=rng.randint(2, 6))))
             for i in range(300)]
    found = {o.test.line for o in nlu_overlap.find_overlaps(tests, train)}
    keys = {t.key for t in train}
    expected = {p.line for p in tests
                if p.key in keys or any(max(difflib.SequenceMatcher(None, p.key, k).ratio(),
                                            difflib.SequenceMatcher(None, k, p.key).ratio()) >= 0.90
                                        for k in keys)}
    assert found == expected and len(found) > 10


def test_message_literals_skip_docstrings_and_reply_fields(tmp_path):
    mod = tmp_path / "test_x.py"
    mod.write_text('"""berapa biaya bikin skck di polres"""\n'
                   'CASES = ["berapa biaya bikin skck di polres", "x"]\n'
                   'REPLY = {"text": "berapa biaya bikin skck di polres"}\n'
                   'URL = "/webhooks/rest/webhook"\n')
    found = [(p.line, p.text) for p in nlu_overlap.message_literals(mod)]
    assert found == [(2, "berapa biaya bikin skck di polres")]


# ------------------------------------------------------------------------------ nlu_review
def _write_tracker_db(db: Path):
    """Stores two conversations with Rasa's own SQLTrackerStore (real schema, real JSON)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    def user(text, intent, conf, ranking):
        return UserUttered(text, {"name": intent, "confidence": conf},
                           parse_data={"intent": {"name": intent, "confidence": conf},
                                       "intent_ranking": ranking, "text": text, "entities": []})

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    t1 = DialogueStateTracker.from_events("warga-1", [
        ActionExecuted("action_listen"),
        user("brp biaya sim c", "sim_biaya", 0.97, [{"name": "sim_biaya", "confidence": 0.97}]),
        ActionExecuted("action_listen"),
        user("sim ku kobong piye", "nlu_fallback", 0.5,
             [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "sim_hilang", "confidence": 0.41},
              {"name": "sim_biaya", "confidence": 0.2}, {"name": "sim_ujian", "confidence": 0.1}]),
        ActionExecuted("action_listen"),
        user("skck buat daftar satpam di mana", "skck_syarat", 0.45,
             [{"name": "skck_syarat", "confidence": 0.45}, {"name": "skck_kantor", "confidence": 0.4}]),
    ])
    t2 = DialogueStateTracker.from_events("warga-2", [
        ActionExecuted("action_listen"),
        user("Sim ku kobong piye", "nlu_fallback", 0.5,
             [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "sim_hilang", "confidence": 0.4}]),
        ActionExecuted("action_listen"),
        user("/sim_biaya", "sim_biaya", 1.0, []),
    ])
    asyncio.run(store.save(t1))
    asyncio.run(store.save(t2))
    return store


def test_review_export_from_sqlite_tracker_store(tmp_path):
    db = tmp_path / "tracker.db"
    _write_tracker_db(db)
    n_user = sqlite3.connect(db).execute("SELECT count(*) FROM events WHERE type_name='user'").fetchone()[0]
    assert n_user == 5
    out = tmp_path / "review.yml"
    rc = nlu_review.main(["export", "--db", str(db), "--out", str(out)])
    assert rc == 0
    items = yaml.safe_load(out.read_text())["items"]
    texts = [i["text"] for i in items]
    # the fallback message once (two senders, different case), the low-confidence one; not the
    # confident message and not the button payload
    assert sorted(t.lower() for t in texts) == ["sim ku kobong piye", "skck buat daftar satpam di mana"]
    kobong = next(i for i in items if i["text"].lower() == "sim ku kobong piye")
    assert kobong["predicted"] == "sim_hilang" and kobong["count"] == 2 and kobong["intent"] == ""
    assert "sim_biaya" in kobong["alternatives"]
    assert out.read_text().startswith("# Berkas tinjauan NLU")
    # CSV works too
    csv_out = tmp_path / "review.csv"
    assert nlu_review.main(["export", "--db", str(db), "--out", str(csv_out)]) == 0
    assert csv_out.read_text().splitlines()[0].startswith("text,intent,predicted")


def test_review_merge_adds_labelled_lines_deduplicated_and_validated(tmp_path):
    data = tmp_path / "nlu"
    shutil.copytree(ROOT / "data" / "nlu", data)
    review = tmp_path / "review.yml"
    review.write_text(yaml.safe_dump({"items": [
        {"text": "sim ku kobong piye", "intent": "sim_hilang"},
        {"text": "skck buat daftar satpam di mana", "intent": "skck_kantor"},
        {"text": "SIM KU KOBONG PIYE", "intent": "sim_hilang"},        # duplicate in the file
        {"text": "berapa gaji polisi", "intent": "sim_biaya"},        # exists as blokir_gaji
        {"text": "apa kabar pak", "intent": "sapaan_ngobrol"},          # unknown intent
        {"text": "wkwk lucu", "intent": "abaikan"},                     # skipped on purpose
    ]}, allow_unicode=True))
    rc = nlu_review.main(["merge", str(review), "--data", str(data)])
    assert rc == 1  # two items were rejected and reported
    sim = (data / "sim.yml").read_text()
    assert sim.count("    - sim ku kobong piye\n") == 1
    assert "SIM KU KOBONG" not in sim
    assert "sapaan_ngobrol" not in (data / "sapaan.yml").read_text()
    # the new lines sit inside the right intent blocks: Rasa's own reader agrees
    from rasa.shared.nlu.training_data.loading import load_data

    td = load_data(str(data))
    by_text = {m.get("text"): m.get("intent") for m in td.intent_examples}
    assert by_text["sim ku kobong piye"] == "sim_hilang"
    assert by_text["skck buat daftar satpam di mana"] == "skck_kantor"
    assert by_text["berapa gaji polisi"] == "blokir_gaji"
    # and the checks still pass on the merged data
    errors = [p for p in nlu_check.run_checks(data, DOMAIN) if p.startswith("ERROR")]
    assert errors == []
    # merging again adds nothing
    review.write_text(yaml.safe_dump({"items": [{"text": "sim ku kobong piye", "intent": "sim_hilang"}]}))
    assert nlu_review.main(["merge", str(review), "--data", str(data)]) == 0
    assert (data / "sim.yml").read_text().count("sim ku kobong piye") == 1


# ------------------------------------------------------------------------------ nlu_eval
def test_eval_writes_report_and_compares_with_previous(tmp_path, rasa_url):
    holdout = tmp_path / "mini.yml"
    holdout.write_text(yaml.safe_dump({"version": "3.1", "nlu": [
        {"intent": "sim_biaya", "examples": "- berapa biaya bikin sim c\n- harga sim a berapa\n"},
        {"intent": "skck_syarat", "examples": "- syarat bikin skck apa aja\n"},
        {"intent": "blokir_gaji", "examples": "- berapa gaji kapolres batang\n"},
        {"intent": "lapor_kejadian", "examples": "- ada tawuran di dekat pasar\n"},
    ]}, allow_unicode=True))
    dialogues = tmp_path / "dialogues.yml"
    dialogues.write_text(yaml.safe_dump({"dialogues": [
        {"id": "t1", "pattern": "atribut_lain", "register": "santai", "turns": [
            {"user": "skck bikinnya bayar brp", "expect": {"contains": ["30.000"]}},
            {"user": "xq zzv blorp", "expect": {"contains": ["kalimat yang tidak pernah dibalas bot"]}}]},
    ]}, allow_unicode=True))
    facts = tmp_path / "facts.yml"
    facts.write_text(yaml.safe_dump({"facts": [
        {"id": "t1", "entry": "skck.biaya", "register": "formal",
         "question": "Berapa PNBP untuk penerbitan SKCK?", "lead": ["30.000"]}]}, allow_unicode=True))
    out = tmp_path / "eval"
    for _ in range(2):
        rc = nlu_eval.main(["--holdout", str(holdout), "--rasa-url", rasa_url, "--out", str(out),
                            "--no-start", "--dialogues", str(dialogues), "--facts", str(facts)])
        assert rc == 0
        import time
        time.sleep(1.1)  # distinct timestamped directories
    dirs = sorted(d for d in out.iterdir() if d.is_dir())
    assert len(dirs) == 2
    latest = dirs[-1]
    for name in ("metrics.json", "per_intent.csv", "confusion.png", "misclassified.yml",
                 "comparison.md", "report.md"):
        assert (latest / name).exists(), name
    assert (latest / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((latest / "metrics.json").read_text())
    assert metrics["summary"]["messages"] == 5
    assert set(metrics["per_intent"]) >= {"sim_biaya", "skck_syarat", "blokir_gaji", "lapor_kejadian"}
    # the reported numbers are exactly those of the live model on these messages
    from scripts.nlu_metrics import predict_all, summarise
    from scripts.nlu_trainingdata import load_yaml_examples

    rows = predict_all(rasa_url, load_yaml_examples(holdout))
    assert metrics["summary"] == summarise(rows)
    wrong = {(r["text"], r["predicted"]) for r in rows if r["predicted"] != r["expected"]}
    assert {(r["text"], r["predicted"]) for r in metrics["misclassified"]} >= wrong
    assert metrics["summary"]["intent_accuracy"] == round(1 - len(wrong) / 5, 4)
    # the conversation sets were played and scored: the second dialogue turn cannot pass
    conv = json.loads((latest / "conversation.json").read_text())
    assert conv["summary"]["dialogues"] == 1 and conv["summary"]["facts"] == 1
    assert conv["summary"]["dialogue_pass_rate"] == 0.0
    assert conv["dialogues"][0]["turns"][1]["failures"], conv["dialogues"][0]
    assert conv["summary"]["per_pattern"]["atribut_lain"]["n"] == 1
    assert metrics["conversation"] == conv["summary"]
    assert "| pattern |" in (latest / "report.md").read_text()
    comparison = (latest / "comparison.md").read_text()
    assert dirs[0].name in comparison and "topic_accuracy" in comparison
    latest_json = json.loads((out / "holdout-latest.json").read_text())
    assert latest_json["summary"] == metrics["summary"]


def test_domain_intent_missing_from_intent_table_is_reported(tmp_path):
    table = (ROOT / "actions" / "intents.yml").read_text(encoding="utf-8")
    cut = tmp_path / "intents.yml"
    cut.write_text(table.replace("  skck_biaya:", "  skck_biaya_lama:"), encoding="utf-8")
    problems = nlu_check.run_checks(ROOT / "data" / "nlu", DOMAIN, table_file=cut)
    missing = [p for p in problems if "'skck_biaya'" in p and "tabel intent" in p]
    assert missing and missing[0].startswith("ERROR ") and "skck.yml:" in missing[0], problems
    assert any("'skck_biaya_lama'" in p and "intents.yml:" in p for p in problems), problems
    assert not [p for p in nlu_check.run_checks(ROOT / "data" / "nlu", DOMAIN)
                if p.startswith("ERROR")]
