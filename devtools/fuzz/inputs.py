"""Hypothesis strategies for hostile and clumsy input, and `generate()` that draws N of them with
a fixed seed. Each HTTP case is (kind, body bytes); each socket.io case is (event, data); each
Matrix case is a message content dict. `kind` names what the input tries (for the report)."""
from __future__ import annotations

import json
from typing import Any, Callable

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed
from hypothesis import strategies as st

MB = 1024 * 1024
INTENTS = ["lapor_pembaruan_status", "EXTERNAL: lapor_pembaruan_status", "session_start", "restart",
           "lapor_kejadian", "lapor_status", "sim_biaya", "blokir_gaji", "nlu_fallback", "back", "stop"]
ENTITIES = ["laporan_id", "status_laporan", "jenis_kejadian", "lokasi_kejadian", "pelapor", "kanal"]
PHRASES = ["berapa biaya bikin SIM C baru?", "ada kecelakaan di jalan pantura", "laporan saya LK-2026-000001",
           "halo", "syarat SKCK", "gaji polisi berapa", "!lapor", "!status LK-2026-000001", "batal",
           "NIK saya 3325010101900001 hp 081234567890", "<script>alert(1)</script>", "' OR 1=1 --"]

json_scalar = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats()
               | st.text(max_size=40))
json_value = st.recursive(json_scalar, lambda c: st.lists(c, max_size=4)
                          | st.dictionaries(st.text(max_size=12), c, max_size=4), max_leaves=12)
injection = st.builds(lambda i, e: f"/{i}{json.dumps(e, ensure_ascii=False)}" if e else f"/{i}",
                      st.sampled_from(INTENTS),
                      st.dictionaries(st.sampled_from(ENTITIES), st.text(max_size=20), max_size=3))
control = st.text(alphabet=st.characters(max_codepoint=0x1F)
                  | st.sampled_from("\u200b\u202e\ufeff\u2028\x7f"), min_size=1, max_size=60)
long_text = (st.integers(2_000, 30_000).map(lambda n: ("ada laporan penting " * (n // 20 + 1))[:n])
             | st.text(min_size=2_000, max_size=4_000))
phrase = st.builds(lambda p, noise: p + noise, st.sampled_from(PHRASES), st.text(max_size=30))
message_text = st.one_of(st.text(max_size=300), injection, control, long_text, phrase,
                         st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _bad_utf8(prefix: bytes, raw: bytes) -> bytes:
    return prefix + b"\xff\xfe" + raw + b"\xc3(\x80\xed\xa0\x80"


# The mix of body kinds: weights by repetition (1 MB bodies are 1 in 100).
_KINDS = (["object"] * 30 + ["wrong_types"] * 14 + ["missing_fields"] * 10 + ["non_object"] * 12
          + ["empty"] * 2 + ["bad_utf8"] * 8 + ["truncated"] * 6 + ["long_text"] * 8
          + ["injection"] * 9 + ["huge_1mb"] * 1)


def http_body(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """(kind, body) for a JSON endpoint whose well-formed body has `fields`."""
    names = list(fields)

    def build(kind: str) -> st.SearchStrategy:
        if kind == "object":
            return st.fixed_dictionaries(fields).map(_dumps)
        if kind == "wrong_types":
            return st.fixed_dictionaries({k: json_value for k in names}).map(_dumps)
        if kind == "missing_fields":
            return st.fixed_dictionaries({}, optional=fields).map(_dumps)
        if kind == "non_object":
            return (json_value.filter(lambda v: not isinstance(v, dict)).map(_dumps)
                    | st.sampled_from([b"null", b"[]", b'"x"', b"0", b"true", b"NaN", b"1e999"]))
        if kind == "empty":
            return st.sampled_from([b"", b" ", b"\n"])
        if kind == "bad_utf8":
            return st.builds(_bad_utf8, st.sampled_from([b'{"sender": "a", "message": "', b"", b"{"]),
                             st.binary(max_size=64))
        if kind == "truncated":
            return st.fixed_dictionaries(fields).map(_dumps).flatmap(
                lambda b: st.integers(0, max(0, len(b) - 1)).map(lambda n: b[:n]))
        if kind == "long_text":
            return st.fixed_dictionaries({**fields, names[-1]: long_text}).map(_dumps)
        if kind == "injection":
            return st.fixed_dictionaries({**fields, names[-1]: injection}).map(_dumps)
        if kind == "huge_1mb":
            return st.sampled_from([_dumps({names[0]: "fuzz-huge", names[-1]: "a" * MB}),
                                    b"[" + b"1," * (MB // 2) + b"1]", b"x" * MB])
        raise ValueError(kind)

    return st.sampled_from(_KINDS).flatmap(lambda k: build(k).map(lambda b: (k, b)))


sender_id = st.one_of(st.uuids().map(lambda u: f"fuzz-{u.hex[:16]}"), st.text(min_size=1, max_size=40))
rest_case = http_body({"sender": sender_id, "message": message_text})

report_payload = {
    "jenis": st.sampled_from(["kecelakaan_lalu_lintas", "pencurian", "gangguan_kamtibmas", "lainnya"])
    | st.text(max_size=30),
    "lokasi": st.fixed_dictionaries({"teks": st.text(max_size=80)},
                                    optional={"lat": st.floats(), "lon": st.floats()}) | json_value,
    "waktu": st.sampled_from(["barusan", "tadi pagi", "kemarin 21.00"]) | st.text(max_size=40),
    "kanal": st.sampled_from(["web", "matrix"]) | st.text(max_size=10),
    "pelapor": st.uuids().map(lambda u: f"fuzz-{u.hex[:12]}") | st.text(max_size=40),
    "idempotency_key": st.uuids().map(str) | json_value,
    "deskripsi": message_text,
}
status_payload = {"status": st.sampled_from(["diterima", "ditangani", "selesai", "baru"])
                  | st.text(max_size=20),
                  "oleh": st.text(max_size=40), "catatan": message_text}
report_id = st.one_of(st.from_regex(r"LK-20[0-9]{2}-[0-9]{6}", fullmatch=True),
                      st.text(min_size=1, max_size=30))
# (method, path-kind, id or query text, (kind, body), auth: "ok" | "none" | "wrong")
report_case = st.one_of(
    st.tuples(st.just("POST"), st.just("create"), st.just(""), http_body(report_payload), st.just("ok")),
    st.tuples(st.just("POST"), st.just("status"), report_id, http_body(status_payload), st.just("ok")),
    st.tuples(st.just("GET"), st.just("list"), st.text(max_size=60), st.just(("query", b"")), st.just("ok")),
    st.tuples(st.just("GET"), st.just("one"), report_id, st.just(("get", b"")), st.just("ok")),
    st.tuples(st.just("POST"), st.just("create"), st.just(""), http_body(report_payload),
              st.sampled_from(["none", "wrong"])),
)

# socket.io: Rasa's events are session_request {session_id} and user_uttered {message, session_id}
socketio_case = st.one_of(
    st.tuples(st.just("user_uttered"), st.fixed_dictionaries({"message": message_text})),
    st.tuples(st.just("user_uttered"),
              st.fixed_dictionaries({"message": message_text, "session_id": json_value})),
    st.tuples(st.just("user_uttered"), json_value),
    st.tuples(st.just("user_uttered"),
              st.fixed_dictionaries({"message": json_value, "customData": json_value})),
    st.tuples(st.just("user_uttered"), long_text.map(lambda t: {"message": t})),
    st.tuples(st.just("user_uttered"), st.just({"message": "a" * MB})),
    st.tuples(st.just("session_request"), json_value),
)

matrix_case = st.one_of(
    st.fixed_dictionaries({"msgtype": st.just("m.text"), "body": message_text}),
    st.fixed_dictionaries({"msgtype": st.just("m.text"), "body": st.sampled_from(PHRASES)}),
    st.fixed_dictionaries({"msgtype": st.sampled_from(["m.notice", "m.emote", "m.location", "m.image",
                                                       "x.custom"]),
                           "body": st.text(max_size=80)}, optional={"geo_uri": st.text(max_size=40),
                                                                     "url": st.text(max_size=40)}),
    st.fixed_dictionaries({}, optional={"msgtype": json_value, "body": json_value,
                                        "format": st.just("org.matrix.custom.html"),
                                        "formatted_body": st.text(max_size=200)}),
    st.fixed_dictionaries({"msgtype": st.just("m.text"),
                           "body": st.integers(40_000, 70_000).map(lambda n: "x" * n)}),
)


def generate(strategy: st.SearchStrategy, n: int, seed: int) -> list:
    """n examples of `strategy`, the same ones for the same seed (hypothesis drives generation;
    delivery happens afterwards, concurrently)."""
    out: list = []
    round_ = 0
    while len(out) < n:
        _collect(strategy, n - len(out), seed + round_, out.append)
        round_ += 1
    return out[:n]


def _collect(strategy: st.SearchStrategy, n: int, seed: int, sink: Callable[[Any], None]) -> None:
    @hseed(seed)
    @settings(max_examples=n, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(x):
        sink(x)
    collect()
