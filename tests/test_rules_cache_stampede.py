"""RL604 cache-stampede: a shared key recomputed with a slow call on a miss, with no lock and no
early refresh."""
from __future__ import annotations

from .helpers import Snippets

H = """
import json
import redis
import requests
r = redis.Redis(socket_timeout=5, socket_connect_timeout=5)
"""
S = Snippets(H, "RL604")


def test_shared_key_recomputed_with_a_slow_call():
    assert S.lines("""
        def feed():
            v = r.get("homepage:feed")
            if v is None:
                v = json.dumps(list(Article.objects.filter(published=True)[:20]))
                r.set("homepage:feed", v, ex=60)
            return v

        def rates():
            v = r.get("fx:rates")
            if not v:
                v = requests.get("https://rates.example/latest").text
                r.setex("fx:rates", 300, v)
            return v

        def stats(db):
            v = r.get("stats")
            if v is None:
                v = db.session.execute("SELECT count(*) FROM orders").scalar()
                r.set("stats", v, ex=30)
            return v
    """) == [3, 10, 17]


def test_lock_nx_claim_or_ttl_check_is_quiet():
    assert S.lines("""
        def feed():
            v = r.get("homepage:feed")
            if v is None:
                with r.lock("lock:homepage:feed", timeout=10):
                    v = json.dumps(list(Article.objects.all()))
                    r.set("homepage:feed", v, ex=60)
            return v

        def rates():
            v = r.get("fx:rates")
            if v is None and r.set("fx:rates:refreshing", 1, nx=True, ex=10):
                v = requests.get("https://rates.example/latest").text
                r.set("fx:rates", v, ex=300)
            return v

        def early():
            v = r.get("stats")
            if v is None or r.ttl("stats") < 5:
                v = Order.objects.count()
                r.set("stats", v, ex=30)
            return v
    """) == []


def test_per_entity_cheap_or_ttl_less_recompute_is_quiet():
    assert S.lines("""
        def product(pid):
            v = r.get(f"product:{pid}")
            if v is None:
                v = Product.objects.get(pk=pid)
                r.set(f"product:{pid}", v, ex=60)
            return v

        def cheap():
            v = r.get("greeting")
            if v is None:
                v = "hello"
                r.set("greeting", v, ex=60)
            return v

        def forever():
            v = r.get("config")
            if v is None:
                v = Setting.objects.all()
                r.set("config", v)
            return v

        def elsewhere():
            v = r.get("feed")
            if v is None:
                v = "x"
            data = Article.objects.all()
            r.set("feed", data, ex=60)
    """) == []


def test_message_names_the_recompute():
    (d,) = S.found("""
        def rates():
            v = r.get("fx:rates")
            if v is None:
                v = requests.get("https://rates.example/latest").text
                r.set("fx:rates", v, ex=300)
            return v
    """)
    assert "HTTP request" in d.message and "`fx:rates`" in d.message
