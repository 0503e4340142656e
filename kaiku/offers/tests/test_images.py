"""Offer pictures: limits, re-encoding without metadata, thumbnails, and serving them in production."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kaiku.offers import images
from kaiku.offers.models import Offer
from kaiku.offers.tests.test_venue_views import OFFER


def picture(size=(64, 48), fmt="JPEG", exif=None, mode="RGB") -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new(mode, size, "red").save(out, fmt, **kwargs)
    return out.getvalue()


def test_it_re_encodes_upright_without_metadata_and_makes_a_thumbnail():
    exif = Image.Exif()
    exif[0x010F] = "Spy camera"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90 degrees
    prepared = images.prepare(io.BytesIO(picture((2000, 1000), exif=exif)))
    with Image.open(prepared.picture) as full, Image.open(prepared.thumbnail) as thumb:
        assert full.format == thumb.format == "JPEG"
        assert full.size == (800, 1600)  # turned upright, scaled to 1600 px
        assert max(thumb.size) == images.THUMBNAIL_SIZE
        assert not full.getexif() and not thumb.getexif()
    assert prepared.picture.name.endswith(".jpg")


def test_a_transparent_png_is_flattened_on_white():
    prepared = images.prepare(io.BytesIO(picture(mode="RGBA", fmt="PNG")))
    with Image.open(prepared.picture) as full:
        assert full.mode == "RGB"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not_an_image"),
        (b"GIF89a" + b"\x00" * 20, "not_an_image"),
        (picture(fmt="GIF"), "not_an_image"),
        (picture()[:200], "not_an_image"),  # truncated
        (b"\xff" * (images.MAX_BYTES + 1), "too_large"),
    ],
    ids=["svg", "broken-gif", "gif", "truncated", "too-large"],
)
def test_it_refuses_what_is_not_a_small_picture(data, code):
    with pytest.raises(images.ImageError) as exc:
        images.prepare(io.BytesIO(data))
    assert exc.value.code == code


def test_the_pixel_count_is_checked_before_the_picture_is_decoded(monkeypatch):
    data = picture((6000, 5000), fmt="PNG", mode="1")  # 30 million pixels in a few kB
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self))
    with pytest.raises(images.ImageError) as exc:
        images.prepare(io.BytesIO(data))
    assert exc.value.code == "too_many_pixels" and not decoded


def test_the_offer_form_refuses_a_30_mb_upload_and_a_bad_file(world):
    staff = world.client_for("venue_staff")
    url = reverse("offers:offer_create", args=[world.venue_a.pk])
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"\x00" * (30 * 1024 * 1024), content_type="image/jpeg")
    response = staff.post(url, {**OFFER, "image": big, "image_alt": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "image" in response.context["form"].errors
    assert not Offer.objects.exists()


def _upload(world, data=None):
    staff = world.client_for("venue_staff")
    image = SimpleUploadedFile("poster.jpg", data or picture((1200, 800)), content_type="image/jpeg")
    url = reverse("offers:offer_create", args=[world.venue_a.pk])
    assert staff.post(url, {**OFFER, "image": image, "image_alt": "A red poster"}).status_code == 302
    return Offer.objects.get()


def test_in_production_an_uploaded_picture_and_its_thumbnail_are_served(world, settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    offer = _upload(world)
    assert (tmp_path / offer.image.name).exists() and (tmp_path / offer.thumbnail.name).exists()
    catalogue = world.client_for("anonymous").get(reverse("offers:catalogue"))
    assert offer.thumbnail.url in catalogue.content.decode()
    for url in (offer.image.url, offer.thumbnail.url):
        response = world.client_for("anonymous").get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        with Image.open(io.BytesIO(b"".join(response.streaming_content))) as served:
            assert served.format == "JPEG"


@pytest.mark.parametrize(
    "path", ["offers/missing.jpg", "../kaiku.sqlite3.jpg", "offers/../../etc/passwd.png", "offers/page.html", "x.svg"]
)
def test_the_media_view_serves_only_pictures_inside_the_storage(world, settings, tmp_path, path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    (tmp_path / "media" / "offers").mkdir(parents=True)
    (tmp_path / "media" / "offers" / "page.html").write_text("<script>alert(1)</script>")
    (tmp_path / "kaiku.sqlite3.jpg").write_bytes(b"secret")
    assert world.client_for("anonymous").get(f"/media/{path}").status_code == 404


def test_a_command_makes_thumbnails_for_pictures_uploaded_before_them(world):
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from kaiku.offers.tests.factories import OfferFactory

    old = OfferFactory(venue=world.venue_a)
    old.image.save("offers/old.png", ContentFile(picture((1000, 500), fmt="PNG")))
    broken = OfferFactory(venue=world.venue_a)
    broken.image.save("offers/broken.jpg", ContentFile(b"not a picture"))
    out = io.StringIO()
    call_command("make_offer_thumbnails", stdout=out, stderr=io.StringIO())
    assert "1 thumbnails made, 1 pictures could not be read" in out.getvalue()
    old.refresh_from_db()
    with old.thumbnail.open("rb") as f, Image.open(f) as thumb:
        assert thumb.size == (images.THUMBNAIL_SIZE, images.THUMBNAIL_SIZE // 2)
    call_command("make_offer_thumbnails", stdout=(again := io.StringIO()), stderr=io.StringIO())
    assert "0 thumbnails made" in again.getvalue()
