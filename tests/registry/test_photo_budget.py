"""What one client may make the server decode and store with photographs.

One post of twenty 7000 × 7000 noise JPEGs once took 50 s of a worker, 850 MB of its
memory and wrote 505 MB, more than was sent; the limit counted posts, not photographs, and
unsent photographs stayed for a day. Now photographs are counted one by one (per post, per
form, per address and hour), a post has a budget of pixels, what is kept is an archival
copy never larger than what came, and a form never sent loses its photographs within
hours. Every refusal names the file and says what to do; nothing typed is lost.
"""

import io
import random
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from registry.images import SMALL_FILE
from registry.models import SubmissionPhoto
from tests.registry.test_submit import form_data

pytestmark = pytest.mark.django_db
INCOMPLETE = {"surname": ""}  # the form comes back with an error, its photographs kept


def jpeg(name="photo.jpg", size=(60, 40), *, noise=False, quality=90) -> SimpleUploadedFile:
    image = Image.new("RGB", size, "gray")
    if noise:  # what compresses worst: a re-encoding at a high quality grows
        rng = random.Random(1937)
        image = Image.frombytes("RGB", size, bytes(rng.getrandbits(8)
                                                   for _ in range(size[0] * size[1] * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def photos(*files) -> dict:
    return {"photos-TOTAL_FORMS": str(len(files)),
            **{f"photos-{number}-image": file for number, file in enumerate(files)}}


def sent(client, *files, **data):
    return client.post("/submit/", form_data(**INCOMPLETE, **photos(*files), **data))


def test_a_large_photograph_is_kept_as_an_archival_copy_no_larger_than_it_came(
        client, settings):
    settings.REGISTRY_PHOTO_MAX_SIDE = 400
    upload = jpeg("scan.jpg", (1200, 900), noise=True, quality=60)

    sent(client, upload)

    kept = SubmissionPhoto.objects.get()
    with kept.image.open() as file, Image.open(file) as image:
        assert max(image.size) == 400 and image.size == (400, 300)
    assert kept.image.size <= upload.size


def test_a_noisy_photograph_is_never_stored_larger_than_it_came(client):
    upload = jpeg("noise.jpg", (1100, 900), noise=True, quality=50)
    assert upload.size > SMALL_FILE  # (a small one may grow a little when drawn again)

    sent(client, upload)

    assert SubmissionPhoto.objects.get().image.size <= upload.size


def test_only_so_many_photographs_are_read_from_one_post(client, settings):
    settings.REGISTRY_PHOTOS_PER_POST = 2
    page = sent(client, jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")).content.decode()

    assert SubmissionPhoto.objects.count() == 2
    assert "1 more photograph was not read: at most 2 can be sent at once" in page


def test_a_form_holds_only_so_many_photographs(client, settings):
    settings.REGISTRY_PHOTOS_PER_FORM = 2
    page = sent(client, jpeg("a.jpg"), jpeg("b.jpg")).content.decode()
    key = re.search(r'name="upload_key" value="([^"]+)"', page).group(1)

    page = sent(client, jpeg("c.jpg"), upload_key=key).content.decode()

    assert SubmissionPhoto.objects.filter(upload_key=key).count() == 2
    assert "c.jpg: This form already holds as many photographs" in page


def test_a_post_has_a_budget_of_pixels(client, settings):
    settings.REGISTRY_PHOTO_PIXELS_PER_POST = 5000
    page = sent(client, jpeg("a.jpg", (60, 60)), jpeg("b.jpg", (60, 60))).content.decode()

    assert SubmissionPhoto.objects.count() == 1
    assert "b.jpg: The photographs sent at once are too large together" in page


def test_photographs_are_counted_one_by_one_per_address(settings):
    settings.REGISTRY_PHOTO_RATE = "2/h"
    family = Client(REMOTE_ADDR="192.0.2.1")
    page = sent(family, jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")).content.decode()

    assert SubmissionPhoto.objects.count() == 2
    assert "c.jpg: Too many photographs have come from your connection" in page
    sent(Client(REMOTE_ADDR="198.51.100.2"), jpeg("d.jpg"))
    assert SubmissionPhoto.objects.count() == 3


def test_photographs_of_a_form_never_sent_are_deleted_within_hours(client, settings):
    sent(client, jpeg("old.jpg"), jpeg("new.jpg"))
    old, new = SubmissionPhoto.objects.order_by("id")
    SubmissionPhoto.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.REGISTRY_UNSENT_PHOTO_HOURS,
                                              minutes=1))
    stored = old.image.name

    call_command("purge_submitter_data", stdout=io.StringIO())

    assert list(SubmissionPhoto.objects.all()) == [new]
    assert not old.image.storage.exists(stored)


def test_a_post_larger_than_any_form_holds_is_refused_unread(client, settings):
    settings.REGISTRY_POST_MAX_BYTES = 20_000
    response = sent(client, jpeg("big.jpg", (600, 400), noise=True))

    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()
    assert not SubmissionPhoto.objects.exists()


def test_once_past_its_count_a_client_is_refused_before_its_post_is_read(settings):
    settings.REGISTRY_UPLOAD_RATE = "1/h"
    family = Client(REMOTE_ADDR="192.0.2.7")
    sent(family, jpeg("a.jpg"))
    told = sent(family, jpeg("b.jpg")).content.decode()  # inside the form, all kept
    assert "Too many photographs" in told and 'name="surname"' in told

    refused = sent(family, jpeg("c.jpg"))

    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert "your browser keeps what you typed" in refused.content.decode()
    assert SubmissionPhoto.objects.count() == 1
    assert sent(Client(REMOTE_ADDR="198.51.100.8"), jpeg("d.jpg")).status_code == 400
