"""`python -m knowledge check [--data DIR] [--config FILE]`"""
from __future__ import annotations

import argparse
import sys

from .loader import KnowledgeError
from .query import load_kb

REQUIRED_IDS = """
sim.syarat_baru sim.perpanjang sim.hilang sim.golongan sim.usia sim.peningkatan sim.masa_berlaku
sim.online sim.keliling sim.ujian sim.bpjs sim.poin sim.biaya
skck.syarat skck.syarat_wna skck.biaya skck.masa_berlaku skck.perpanjang skck.kantor skck.online
layanan.darurat layanan.laporan_polisi layanan.kehilangan layanan.tilang layanan.etle layanan.stnk
layanan.izin_keramaian layanan.pengaduan_petugas layanan.bantuan layanan.kontak_polres
layanan.operasi pasal.kuhp_baru pasal.kategori_denda
""".split()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m knowledge")
    ap.add_argument("command", choices=["check"])
    ap.add_argument("--data", default=None, help="data directory (default knowledge/data)")
    ap.add_argument("--config", default=None, help="polres config (default $POLRES_CONFIG or config/polres.yml)")
    args = ap.parse_args(argv)
    try:
        kb = load_kb(args.data, args.config)
    except KnowledgeError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    missing = [i for i in REQUIRED_IDS if kb.entry(i) is None] if args.data is None else []
    if missing:
        print(f"INVALID: required entries missing: {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"knowledge OK: data={kb.data_dir} config={kb.config_path}")
    total = 0
    for topik, n in kb.counts().items():
        print(f"  {topik:8s} {n:3d} entries")
        total += n
    print(f"  {'total':8s} {total:3d}  (+{len(kb.sim_classes(True))} SIM classes, "
          f"{len(kb.emergency_numbers())} emergency numbers, {len(kb.kategori_denda())} fine categories)")
    nc = kb.not_certain()
    print(f"not 'pasti' ({len(nc)}):")
    for e in nc:
        print(f"  {e['kepastian']:11s} {e['id']}")
    unset = [k for k in ("alamat", "kontak.telepon", "kontak.whatsapp", "jam_layanan.spkt",
                         "jam_layanan.satpas", "jam_layanan.skck", "sim_keliling", "operasi_aktif")
             if kb.local(k) is None]
    if unset:
        print(f"config values not set (bot says 'belum tersedia'): {', '.join(unset)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
