"""Project hooks decide from a skipped file's imports whether it must be parsed: exactly the
imports linking would resolve to a client, and nothing else."""
from __future__ import annotations

from redislint.hooks import imported_names, project_hooks
from redislint.model import ClientKind, ClientRef, ModuleModel


def test_imported_names_reads_every_import_form():
    text = (
        "from .ext import redis_client as rc, get_redis\n"
        "from app import (\n    ext,\n    other as o,\n)\n"
        "from . import tasks\n"
        "import app.ext as e, json\n"
        "from x import *\n"
        "    from inner import thing  # indented imports count too\n"
    )
    assert list(imported_names(text)) == [
        (".ext.redis_client", "rc"), (".ext.get_redis", "get_redis"), ("app.ext", "ext"), ("app.other", "o"),
        (".tasks", "tasks"), ("inner.thing", "thing"), ("app.ext", "e"), ("json", "json"),
    ]


def _exporting(path: str, **exports: ClientRef) -> ModuleModel:
    return ModuleModel(path=path, exported_clients=dict(exports))


CLIENT = ClientRef(ClientKind.CLIENT, source="import")
FACTORY = ClientRef(ClientKind.CLIENT, source="factory")


def test_a_file_importing_an_exported_client_or_factory_is_hooked():
    models = [_exporting("app/ext.py", redis_client=CLIENT, get_redis=FACTORY),
              ModuleModel(path="app/views.py", analysed=False)]
    hooks = project_hooks(models)
    assert hooks("app/views.py", "from app.ext import redis_client\n")
    assert hooks("app/views.py", "from .ext import get_redis\n")
    assert hooks("app/views.py", "from app import ext\n\next.redis_client.get('x')\n")


def test_common_names_that_no_module_exports_do_not_hook():
    # `db` is exported by app/ext.py only: a Django module importing its own `db` is not hooked.
    models = [_exporting("app/ext.py", db=CLIENT), ModuleModel(path="shop/models.py", analysed=False),
              ModuleModel(path="shop/db.py", analysed=False)]
    hooks = project_hooks(models)
    assert not hooks("shop/models.py", "from shop.db import db\nfrom redis import Redis\n")
    assert not hooks("shop/models.py", "from app import other\n\nother.db\n")
    assert not hooks("shop/models.py", "import app.ext\n")  # the module, but none of its clients used


def test_hook_fingerprint_changes_with_exports():
    base = [ModuleModel(path="app/ext.py"), ModuleModel(path="app/views.py", analysed=False)]
    more = [_exporting("app/ext.py", cache=CLIENT), ModuleModel(path="app/views.py", analysed=False)]
    assert project_hooks(base).fingerprint != project_hooks(more).fingerprint
    assert project_hooks(more).fingerprint == project_hooks(list(more)).fingerprint
