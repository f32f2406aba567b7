"""Real reference data: places with their names over time, and camps of the Gulag.

Loaded idempotently (by natural key) by ``load_reference_data`` and by ``generate_demo``.
Facts are kept to what is well established; a camp's description is left short rather
than padded.
"""

from django.db import transaction

from registry.models import Camp, Place, PlaceName

# name, kind, parent, latitude, longitude, [(other name, language, from, to)]
PLACES = [
    ("Kazakhstan", "country", None, 48.0, 68.0, [("Казахстан", "ru", None, None),
                                                 ("Kazakh SSR", "en", 1936, 1991)]),
    ("Russia", "country", None, 61.5, 105.3, [("Россия", "ru", None, None)]),
    ("Astana", "settlement", "Kazakhstan", 51.17, 71.45, [
        ("Akmolinsk", "en", 1832, 1961), ("Акмолинск", "ru", 1832, 1961),
        ("Tselinograd", "en", 1961, 1992), ("Целиноград", "ru", 1961, 1992),
        ("Akmola", "en", 1992, 1998), ("Nur-Sultan", "en", 2019, 2022),
        ("Астана", "ru", 1998, None)]),
    ("Almaty", "settlement", "Kazakhstan", 43.24, 76.95, [
        ("Verny", "en", 1855, 1921), ("Верный", "ru", 1855, 1921),
        ("Alma-Ata", "en", 1921, 1993), ("Алма-Ата", "ru", 1921, 1993),
        ("Алматы", "kk", 1993, None)]),
    ("Karaganda", "settlement", "Kazakhstan", 49.81, 73.09, [("Караганда", "ru", None, None),
                                                            ("Қарағанды", "kk", None, None)]),
    ("Semey", "settlement", "Kazakhstan", 50.41, 80.23, [
        ("Semipalatinsk", "en", None, 2007), ("Семипалатинск", "ru", None, 2007)]),
    ("Dolinka", "settlement", "Kazakhstan", 49.67, 72.68, [("Долинка", "ru", None, None)]),
    ("Malinovka", "settlement", "Kazakhstan", 51.03, 71.02, [
        ("Малиновка", "ru", None, None), ("Akmol", "en", 2007, None)]),
    ("Zhezkazgan", "settlement", "Kazakhstan", 47.8, 67.7, [
        ("Dzhezkazgan", "en", None, 1992), ("Джезказган", "ru", None, 1992)]),
    ("Moscow", "settlement", "Russia", 55.75, 37.62, [("Москва", "ru", None, None)]),
    ("Saint Petersburg", "settlement", "Russia", 59.94, 30.31, [
        ("Leningrad", "en", 1924, 1991), ("Ленинград", "ru", 1924, 1991),
        ("Санкт-Петербург", "ru", 1991, None)]),
    ("Tomsk", "settlement", "Russia", 56.49, 84.95, [("Томск", "ru", None, None)]),
    ("Khabarovsk", "settlement", "Russia", 48.48, 135.08, [("Хабаровск", "ru", None, None)]),
    ("Novosibirsk", "settlement", "Russia", 55.03, 82.92, [
        ("Novonikolayevsk", "en", 1903, 1926), ("Новосибирск", "ru", 1926, None)]),
]

# slug, name, full name, abbreviation, other names, kind, place, opened, closed
CAMPS = [
    ("alzhir", "ALZHIR", "Akmolinsk camp of wives of traitors to the motherland", "АЛЖИР",
     ["Акмолинский лагерь жён изменников Родины", "Alzhir", "17th women's camp point of Karlag"],
     "wives_camp", "Malinovka", 1938, 1953),
    ("karlag", "Karlag", "Karaganda corrective labour camp", "Карлаг",
     ["Карагандинский исправительно-трудовой лагерь", "KarLag"],
     "itl", "Dolinka", 1931, 1959),
    ("steplag", "Steplag", "Special camp No. 4 (Steppe camp)", "Степлаг",
     ["Степной лагерь", "Особый лагерь № 4"], "special_camp", "Zhezkazgan", 1948, 1956),
    ("dallag", "Dallag", "Far Eastern corrective labour camp", "Дальлаг",
     ["Дальневосточный исправительно-трудовой лагерь"], "itl", "Khabarovsk", 1929, 1939),
    ("siblag", "Siblag", "Siberian corrective labour camp", "Сиблаг",
     ["Сибирский исправительно-трудовой лагерь"], "itl", "Novosibirsk", 1929, 1960),
    ("peschanlag", "Peschanlag", "Special camp No. 8 (Sandy camp)", "Песчанлаг",
     ["Песчаный лагерь", "Особый лагерь № 8"], "special_camp", "Karaganda", 1948, 1954),
]


@transaction.atomic
def load_reference_data() -> dict[str, int]:
    """Create or update the reference places and camps; safe to run any number of times."""
    places = {}
    for name, kind, parent, latitude, longitude, names in PLACES:
        place, _ = Place.objects.update_or_create(
            name=name, kind=kind,
            defaults={"parent": places.get(parent), "latitude": latitude,
                      "longitude": longitude},
        )
        places[name] = place
        for other, language, year_from, year_to in names:
            PlaceName.objects.update_or_create(
                place=place, name=other,
                defaults={"language": language, "year_from": year_from, "year_to": year_to},
            )
    for slug, name, full_name, abbreviation, others, kind, place, opened, closed in CAMPS:
        Camp.objects.update_or_create(slug=slug, defaults={
            "name": name, "full_name": full_name, "abbreviation": abbreviation,
            "other_names": "\n".join(others), "kind": kind, "place": places[place],
            "year_opened": opened, "year_closed": closed,
        })
    return {"places": len(places), "camps": len(CAMPS)}
