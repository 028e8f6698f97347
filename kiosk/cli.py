"""The kiosk's command line: enrol, identify, list and remove people, run the kiosk, self-test.

    python -m kiosk enroll --gallery DIR --name NAME [--person-id ID] IMAGE...
    python -m kiosk import --gallery DIR --consent-by WHO FOLDER   (one subfolder of photos per person)
    python -m kiosk identify --gallery DIR IMAGE...
    python -m kiosk people --gallery DIR
    python -m kiosk people remove --gallery DIR ID
    python -m kiosk sync-people --gallery DIR --server URL --token T [--forever]
    python -m kiosk migrate-gallery --gallery DIR   (take in a gallery written before encryption)
    python -m kiosk run [--source ...] (see python -m kiosk run --help)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from kiosk.errors import KioskError

log = logging.getLogger("kiosk")


def _out(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _fail(message: str, code: int = 2) -> int:
    sys.stderr.write(f"kiosk: {message}\n")
    return code


def _config(args):
    """The kiosk's settings (defaults -> TOML -> environment) with this command's --gallery and --key-file."""
    from kiosk.core.config import load_config

    overrides = {"gallery": args.gallery, "key_file": getattr(args, "key_file", None)}
    return load_config(overrides=overrides).resolved()


def _store(args):
    from kiosk.core.stores import gallery_store

    return gallery_store(_config(args))


def _policy(args):
    from kiosk.core.matching import MatchPolicy

    return MatchPolicy(threshold=args.threshold, margin=args.margin)


def cmd_enroll(args) -> int:
    from kiosk.core.enrolment import Enrolment, enrol, find_duplicates
    from kiosk.core.gallery import Consent, now_iso, validate_person_id
    from kiosk.vision.engine import FaceEngine
    from kiosk.vision.enrol import sample_from_file, sample_photo

    if not (args.consent_by or "").strip():
        return _fail("--consent-by is required: record who confirmed the person's consent (no consent, no enrolment)")
    if args.person_id:
        validate_person_id(args.person_id)
    if not args.name.strip():
        return _fail("--name must not be empty")
    engine = FaceEngine().load()
    samples = [sample_from_file(engine, path, jitter=args.jitter, detector=args.detector) for path in args.images]
    accepted = [s for s in samples if s.accepted]
    summary: dict = {
        "name": args.name,
        "accepted": [s.source for s in accepted],
        "rejected": [{"image": s.source, "reason": s.reason} for s in samples if not s.accepted],
        "warnings": [],
    }
    if not accepted:
        _out(summary)
        return _fail("no photo could be used; nothing was enrolled (see the reasons above)")
    import numpy as np

    store = _store(args)
    vectors = np.stack([s.embedding for s in accepted])
    duplicates = find_duplicates(store.load(), vectors, _policy(args), exclude=args.person_id)
    summary["warnings"] = [d.warning([s.source for s in accepted]) for d in duplicates]
    photos = tuple(sample_photo(s) for s in accepted) if args.keep_photos else ()
    person = enrol(store, Enrolment(args.name, vectors, Consent(args.consent_by.strip(), now_iso(), args.consent_text),
                                    person_id=args.person_id, employee_no=args.employee_no, photos=photos))
    summary["person_id"] = person.person_id
    summary["embeddings_added"] = len(accepted)
    _out(summary)
    return 0


def cmd_import(args) -> int:
    """Bulk enrolment (kiosk.vision.bulk_import): one JSON line per person on stdout, a summary on stderr."""
    from kiosk.vision.bulk_import import ImportOptions, import_folder

    if not (args.consent_by or "").strip():
        return _fail("--consent-by is required: record who confirmed these people's consent")
    options = ImportOptions(
        consent_by=args.consent_by.strip(), consent_text=args.consent_text, workers=args.workers,
        jitter=args.jitter, detector=args.detector, keep_photos=args.keep_photos, policy=_policy(args),
    )
    counts = import_folder(_store(args), args.folder, options, _out)
    sys.stderr.write(
        f"kiosk import: {counts['enrolled']} enrolled, {counts['skipped']} already enrolled (skipped), "
        f"{counts['failed']} failed\n"
    )
    return 1 if counts["failed"] else 0  # a script notices anyone left out; rerunning retries only them


def cmd_identify(args) -> int:
    from kiosk.core.matching import Matcher
    from kiosk.vision.engine import FaceEngine
    from kiosk.vision.enrol import ENROL_POINTS, IDENTIFY_JITTER, find_faces_for_enrolment
    from kiosk.vision.image_io import load_image

    matcher = Matcher(_store(args).load(), _policy(args))
    engine = FaceEngine().load()
    for path in args.images:
        try:
            rgb = load_image(path)
        except KioskError as exc:
            _out({"image": path, "error": str(exc), "faces": []})
            continue
        boxes = [d.box for d in find_faces_for_enrolment(engine, rgb)]
        faces = []
        vectors = engine.embed(rgb, boxes, jitter=IDENTIFY_JITTER, points=ENROL_POINTS)
        for box, vector in zip(boxes, vectors, strict=True):
            m = matcher.match(vector)
            faces.append({
                "box": box.as_list(), "name": m.name, "person_id": m.person_id,
                "distance": round(m.distance, 4) if m.distance != float("inf") else None,
            })
        _out({"image": path, "faces": faces})
    return 0


def cmd_people(args) -> int:
    store = _store(args)
    if args.action == "remove":
        if not args.person_id:
            return _fail("people remove needs a person id")
        person = store.remove(args.person_id)
        _out({"removed": person.person_id, "name": person.name})
        return 0
    if args.action == "rename":
        if not args.person_id or not args.new_name:
            return _fail("people rename needs a person id and a new name")
        person = store.rename(args.person_id, args.new_name)
        _out({"renamed": person.person_id, "name": person.name})
        return 0
    gallery = store.load()
    counts = gallery.counts()
    for p in gallery.people:
        _out({
            "person_id": p.person_id, "name": p.name, "employee_no": p.employee_no,
            "embeddings": counts[p.person_id], "enrolled_at": p.enrolled_at,
            "consent": None if p.consent is None else p.consent.given_at,
        })
    return 0


def cmd_set_pin(args) -> int:
    import getpass

    from kiosk.core.pin import set_pin_in_config

    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("New admin PIN (4-12 digits): ")
        if getpass.getpass("Repeat the PIN: ") != pin:
            return _fail("the two PINs differ; nothing was changed")
    try:
        path = set_pin_in_config(pin, args.config)
    except ValueError as exc:
        return _fail(str(exc))
    _out({"admin_pin": "set", "config": str(path)})
    return 0


def cmd_sync_people(args) -> int:
    """Share enrolments and deletions with the server (kiosk.link.people), once or until stopped."""
    import signal
    import threading

    from kiosk.errors import SyncError
    from kiosk.link.people import PeopleSync

    token = Path(args.token_file).read_text(encoding="utf-8").strip() if args.token_file else args.token
    if not token:
        return _fail("sync-people needs --token or --token-file")
    state = args.state or _config(args).paths().people_sync_state
    sync = PeopleSync(_store(args), args.server, token, state, interval=args.interval)
    if args.forever:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        sync.run_forever(stop)
        return 0
    try:
        report = sync.run_once()
    except SyncError as exc:
        return _fail(f"people sync failed: {exc}", 1)
    _out({"pushed": report.pushed, "deleted": report.deleted, "pulled": report.pulled,
          "removed": report.removed, "skipped": report.skipped})  # fmt: skip
    return 0


def cmd_migrate_gallery(args) -> int:
    """Take in a gallery written before encryption (the only way a plaintext gallery is accepted once the
    kiosk encrypts) and write it back sealed."""
    from kiosk.core.gallery import GalleryStore
    from kiosk.core.secrets import MAGIC, Sealer

    paths = _config(args).paths()
    store = GalleryStore(paths.gallery, sealer=Sealer(paths.key_file, allow_plaintext=True))
    if not store.path.exists():
        return _fail(f"there is no gallery at {store.path}")
    if store.path.read_bytes().startswith(MAGIC):
        _out({"gallery": str(store.path), "migrated": False, "reason": "already encrypted"})
        return 0
    with store.edit() as g:  # read as plaintext (allowed here), written back sealed
        people = len(g.people)
    _out({"gallery": str(store.path), "migrated": True, "people": people, "key_file": str(paths.key_file)})
    return 0


def _add_sync_people(sub) -> None:
    p = sub.add_parser("sync-people", help="share enrolled people with the server and the other kiosks")
    _add_gallery(p)
    p.add_argument("--server", required=True, help="server base URL, e.g. http://server:8000")
    p.add_argument("--token", default=None, help="this kiosk's token")
    p.add_argument("--token-file", default=None, help="file holding this kiosk's token (instead of --token)")
    p.add_argument("--state", default=None, help="state file (default: GALLERY/people_sync.json)")
    p.add_argument("--forever", action="store_true", help="keep syncing until stopped")
    p.add_argument("--interval", type=float, default=30.0, help="seconds between runs with --forever")
    p.set_defaults(func=cmd_sync_people)

    p = sub.add_parser("migrate-gallery", help="encrypt a gallery written before encryption (explicit, once)")
    _add_gallery(p)
    p.set_defaults(func=cmd_migrate_gallery)


def _add_gallery(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gallery", required=True, help="the gallery folder")
    p.add_argument("--key-file", default=None,
                   help="gallery encryption key (default: the key_file setting, KIOSK_KEY_FILE, else "
                        "<config folder>/faceattend/keys/gallery.key)")  # fmt: skip


def _add_policy(p: argparse.ArgumentParser) -> None:
    from kiosk.core.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD

    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="largest distance accepted")
    p.add_argument("--margin", type=float, default=DEFAULT_MARGIN, help="required lead over the next person")


def _add_enrol_options(p: argparse.ArgumentParser) -> None:
    from kiosk.vision.enrol import ENROL_JITTER

    p.add_argument("--jitter", type=int, default=ENROL_JITTER, help="jittered copies averaged per photo")
    p.add_argument("--detector", choices=["hog", "cnn"], default="hog",
                   help="face detector for the photos: hog (fast) or cnn (more robust, 2-4 s a photo)")
    p.add_argument("--keep-photos", action="store_true", help="also keep the photos (default: embeddings only)")
    p.add_argument("--consent-by", default=None, help="who confirmed the consent of the people enrolled (required)")
    p.add_argument("--consent-text", default="Enrolment for attendance check-in by face recognition.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Face-recognition attendance kiosk.")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR")
    parser.add_argument("--self-test", action="store_true", help="check the models on a bundled photo and exit")
    sub = parser.add_subparsers(dest="command")
    # `run` has its own parser (kiosk.app_main: one flag per setting); main() hands it the rest of the line.
    sub.add_parser("run", help="run the kiosk app (python -m kiosk run --help lists every setting)", add_help=False)

    p = sub.add_parser("enroll", help="enrol one person from photos")
    _add_gallery(p)
    _add_policy(p)
    p.add_argument("--name", required=True)
    p.add_argument("--person-id", default=None)
    p.add_argument("--employee-no", default=None)
    _add_enrol_options(p)
    p.add_argument("images", nargs="+")
    p.set_defaults(func=cmd_enroll)

    p = sub.add_parser("import", help="enrol many people at once: one subfolder of photos per person")
    _add_gallery(p)
    _add_policy(p)
    _add_enrol_options(p)
    p.add_argument("--workers", type=int, default=0, help="processes checking photos (default: one per core)")
    p.add_argument("folder", help="one subfolder per person (its name is the person id), optional people.csv")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("identify", help="say who is in each image (one JSON line per image)")
    _add_gallery(p)
    _add_policy(p)
    p.add_argument("images", nargs="+")
    p.set_defaults(func=cmd_identify)

    p = sub.add_parser("people", help="list, rename or remove enrolled people")
    p.add_argument("action", nargs="?", choices=["list", "remove", "rename"], default="list")
    p.add_argument("person_id", nargs="?")
    p.add_argument("new_name", nargs="?")
    _add_gallery(p)
    p.set_defaults(func=cmd_people)

    p = sub.add_parser("set-pin", help="set the admin PIN (stored hashed in the config file)")
    p.add_argument("--config", default=None, help="TOML config file (default: the platform's)")
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    p.set_defaults(func=cmd_set_pin)
    _add_sync_people(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        from kiosk.app_main import run_main

        return run_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=(args.log_level or "WARNING").upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.self_test:
        from kiosk.selftest import self_test

        return self_test()
    if not args.command:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except KioskError as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        return 0
