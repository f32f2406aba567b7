"""Visitors and families on the registry at once: what ``make bench-load`` runs with locust.

The mix, per request: 70 % searches on ``/search/`` (the fixed query list of
bench/search.py: Cyrillic, Latin, German and Polish spellings, typos, female forms, two names
and a year, filters alone), 25 % profiles ``/people/<id>/`` of published people, 5 % a family
sending a new person (the form, then a real POST with its CSRF token; two requests). The
queries, the profile ids and the names come from the plan ``bench/load/run.py`` writes
(``REGISTRY_LOAD_PLAN``); locust only plays it.

Every answer other than 2xx (and the expected redirect after a submission) counts as a
failure, and so does a submission that is not accepted.
"""

import json
import os
import random
import re
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant_throughput

with open(os.environ["REGISTRY_LOAD_PLAN"], encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)

FORM = "application/x-www-form-urlencoded"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UPLOAD_KEY = re.compile(r'name="upload_key" value="([^"]+)"')
MANAGEMENT = re.compile(r'name="([a-z]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"')


class Visitor(FastHttpUser):
    # Each simulated person starts at most one task a second: N users offer about N tasks
    # a second (1.03 requests per task), whatever the server does, and a slow server shows
    # as latency, not as a quietly lower load.
    wait_time = constant_throughput(1)

    def on_start(self):
        # Visitors arrive at their own moments, not in step: without this every user
        # locust starts in the same second keeps firing in the same millisecond, and the
        # run measures how a burst of simultaneous requests queues, not a steady load.
        gevent.sleep(random.random())

    def search(self):
        query = random.choice(PLAN["searches"])
        self.client.get(f"/search/?{urlencode(query)}", name="search")

    def profile(self):
        self.client.get(f"/people/{random.choice(PLAN['profiles'])}/", name="profile")

    def submit(self):
        with self.client.get("/submit/", name="submit form", catch_response=True) as form:
            fields = form_fields(form.text) if form.ok else None
            if form.ok and fields is None:
                form.failure("the form has no CSRF token or upload key")
        if fields is None:
            return
        with self.client.post("/submit/", data=urlencode(fields | submission()),
                              headers={"Content-Type": FORM}, name="submit",
                              allow_redirects=False, catch_response=True) as sent:
            # A new submission redirects to its thanks page; the form again (400) or the
            # rate limit (429) means it was not taken.
            if sent.status_code == 302 and "/submission/" in sent.headers.get("Location", ""):
                sent.success()
            else:
                sent.failure(f"submission not accepted: HTTP {sent.status_code}")

    # Weights per task; a submission is two requests, so 10 of every 200 requests.
    tasks = {search: 140, profile: 50} | ({submit: 5} if PLAN["submissions"] else {})


def form_fields(html: str) -> dict | None:
    """The hidden fields of the submit form: CSRF token, upload key, formset counts."""
    csrf, upload_key = CSRF.search(html), UPLOAD_KEY.search(html)
    if not (csrf and upload_key):
        return None
    return {"csrfmiddlewaretoken": csrf.group(1), "upload_key": upload_key.group(1),
            **dict(MANAGEMENT.findall(html))}


def submission() -> dict:
    """A family's submission of a person with an arrest and a sentence."""
    surname, given_name, patronymic = random.choice(PLAN["names"])
    year = random.randint(1930, 1941)
    return {
        "surname": surname, "given_name": given_name, "patronymic": patronymic,
        "birth_date": f"около {random.randint(1880, 1915)}", "fate": "executed",
        "occupation": random.choice(["учитель", "агроном", "счетовод", "машинист"]),
        "biography": "Арестован ночью, семье ничего не сообщили.",
        "events-0-kind": "arrest", "events-0-date": f"{year}",
        "events-0-place": "Акмолинск", "events-0-article": "58-10",
        "events-1-kind": "sentence", "events-1-date": f"{year}",
        "events-1-authority": "тройка НКВД", "events-1-sentence": "ВМН",
        "submitter_name": "Load Test", "submitter_email": PLAN["submitter_email"],
        "submitter_relationship": "внук", "consent": "on",
    }
