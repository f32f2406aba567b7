"""Fictional demo people: realistic in shape, never real.

Every generated person has ``is_demo=True`` and a first line in the biography saying so,
and the site shows a banner while any exist. Names are combined at random from tables per
group, so a generated name may match a real person's only by chance. Output is decided
by the seed alone (``random.Random(seed)``), so a benchmark or a demo is reproducible.
"""

import random
from collections import Counter
from collections.abc import Iterator

from django.utils import timezone

from registry import moderation
from registry.bulk import BulkInserter
from registry.dates import parse
from registry.freshness import published_changed
from registry.models import (
    Camp,
    NameKey,
    NameVariant,
    Person,
    Place,
    Relationship,
    RepressionEvent,
    YearKey,
)
from registry.reference import load_reference_data
from registry.search_index import (
    Vocabulary,
    key_rows,
    listing,
    names_of,
    year_bits,
    year_rows,
)

DEMO_MARKER = "Demo record: a fictional person generated for demonstration."
CHUNK = 2000

# group: (nationality, male surnames, given names male, given names female, patronymic rule)
GROUPS = {
    "russian": ("русский", [
        "Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Новиков", "Морозов",
        "Волков", "Соловьёв", "Зайцев", "Белов", "Петров", "Васильев", "Павлов", "Семёнов",
        "Голубев", "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев",
        "Тарасов", "Комаров", "Орлов", "Киселёв", "Макаров", "Андреев", "Ковалёв", "Ильин",
        "Гусев", "Титов", "Кузьмин", "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степанов",
        "Яковлев", "Сорокин", "Сергеев", "Романов", "Захаров", "Борисов", "Королёв", "Герасимов",
        "Пономарёв", "Григорьев", "Лазарев", "Медведев", "Ершов", "Никитин", "Соболев", "Рябов",
        "Поляков", "Цветков", "Данилов", "Жуков", "Фролов", "Журавлёв", "Николаев", "Крылов",
        "Максимов", "Осипов", "Белоусов", "Федотов", "Дорофеев", "Егоров", "Матвеев", "Бобров",
        "Дмитриев", "Калинин", "Анисимов", "Петухов", "Антонов", "Тимофеев", "Никифоров",
        "Веселов", "Филиппов", "Марков", "Большаков", "Суханов", "Миронов", "Ширяев",
        "Александров", "Коновалов", "Шестаков", "Казаков", "Ефимов", "Денисов", "Громов",
        "Фомин", "Давыдов", "Мельников", "Щербаков", "Блинов", "Колесников", "Карпов",
        "Афанасьев", "Власов", "Маслов", "Исаков", "Тихонов", "Аксёнов", "Гаврилов", "Родионов",
        "Котов", "Горбунов", "Кудряшов", "Быков", "Зуев", "Третьяков", "Савельев", "Панов",
        "Рыбаков", "Суворов", "Абрамов", "Воронов", "Мухин", "Архипов", "Трофимов", "Мартынов",
        "Емельянов", "Горшков", "Чернов", "Овчинников", "Селезнёв", "Панфилов", "Копылов",
        "Михеев", "Галкин", "Назаров", "Лобанов", "Лукин", "Беляков", "Потапов", "Некрасов",
        "Хохлов", "Жданов", "Наумов", "Шилов", "Воронцов", "Ермаков", "Дроздов", "Игнатьев",
        "Савин", "Логинов", "Сафонов", "Капустин", "Кириллов", "Моисеев", "Елисеев", "Кошелев",
        "Костин", "Горбачёв", "Орехов", "Ефремов", "Исаев", "Евдокимов", "Калашников", "Кабанов",
        "Носков", "Юдин", "Кулагин", "Лапин", "Прохоров", "Нестеров", "Харитонов", "Агафонов",
        "Муравьёв", "Ларионов", "Федосеев", "Зимин", "Пахомов", "Шубин", "Игнатов", "Филатов",
        "Крюков", "Рогов", "Кулаков", "Терентьев", "Молчанов", "Владимиров", "Артемьев",
        "Гурьев", "Зиновьев", "Гришин", "Кононов", "Дементьев", "Ситников", "Симонов", "Мишин",
        "Фадеев", "Комиссаров", "Мамонтов", "Носов", "Гуляев", "Шаров", "Устинов", "Вишняков",
        "Евсеев", "Лаврентьев", "Брагин", "Константинов", "Корнилов", "Авдеев", "Зыков",
        "Бирюков", "Шарапов", "Никонов", "Щукин", "Дьячков", "Одинцов", "Сазонов", "Якушев",
        "Красильников", "Гордеев", "Самойлов", "Князев", "Беспалов", "Уваров", "Шашков",
        "Бобылёв", "Доронин", "Белозёров", "Рожков", "Самсонов", "Мясников", "Лихачёв", "Буров",
        "Сысоев", "Фомичёв", "Русаков", "Стрелков", "Гущин", "Тетерин", "Колобов", "Субботин",
        "Фокин", "Блохин", "Селиверстов", "Пестов", "Кондратьев", "Силин", "Меркушев", "Лыткин",
        "Туров"],
                ["Иван", "Пётр", "Николай", "Алексей", "Михаил", "Сергей", "Василий", "Фёдор",
                 "Григорий", "Дмитрий", "Андрей", "Павел", "Яков", "Степан", "Семён", "Егор",
                 "Тимофей", "Афанасий", "Игнатий", "Константин", "Владимир", "Александр"],
                ["Мария", "Анна", "Екатерина", "Ольга", "Евдокия", "Татьяна", "Прасковья",
                 "Александра", "Елена", "Наталья", "Вера", "Надежда", "Любовь", "Клавдия",
                 "Антонина", "Пелагея", "Варвара"], "ru"),
    "kazakh": ("казах", [
        "Байтурсынов", "Дулатов", "Сейфуллин", "Жумабаев", "Тынышбаев", "Кенесарин",
        "Аймауытов", "Бокейханов", "Джандосов", "Рыскулов", "Ауэзов", "Нурмаков", "Ходжанов",
        "Садвокасов", "Асфендияров", "Кулумбетов", "Исаев", "Мендешев", "Алибеков", "Жансугуров",
        "Майлин", "Кемеңгеров", "Досмухамедов", "Ермеков", "Омаров", "Сулейменов", "Габбасов",
        "Кадырбаев", "Акпаев", "Тнышпаев", "Итбаев", "Нуркин", "Бекмуханов", "Жолдыбаев",
        "Сарсенбаев", "Тулепов", "Шокаев", "Абдрахманов", "Байжанов", "Есенов", "Ибраев",
        "Калиев", "Мусин", "Нуртазин", "Оспанов", "Рахимов", "Сатпаев", "Токаев", "Утегенов",
        "Шаймерденов", "Ахметов", "Бейсенов", "Жакупов", "Касымов", "Муканов", "Абенов",
        "Кожахметов", "Смагулов", "Ергалиев", "Турсунов"],
               ["Ахмет", "Мыржакып", "Сакен", "Магжан", "Мухамеджан", "Турар", "Жусупбек",
                "Алихан", "Смагул", "Ильяс", "Беимбет", "Халел", "Жаханша", "Темирбек",
                "Нигмет", "Санжар", "Ураз", "Абылай", "Ержан", "Кайрат"],
               ["Гульсум", "Бадрисафа", "Айша", "Сара", "Зейнеп", "Камиля", "Маржан", "Балжан",
                "Айгерим", "Шолпан", "Бибигуль", "Раушан", "Кульпаш"], "kk"),
    "ukrainian": ("украинец", [
        "Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравчук", "Олійник", "Мельник",
        "Бойко", "Ковальчук", "Кравченко", "Шевчук", "Поліщук", "Лисенко", "Руденко",
        "Савченко", "Марченко", "Мороз", "Петренко", "Клименко", "Павленко", "Левченко",
        "Харченко", "Карпенко", "Гончаренко", "Василенко", "Литвиненко", "Кузьменко",
        "Мартинюк", "Ярошенко", "Гаврилюк", "Романенко", "Кириленко", "Тимошенко", "Пономаренко",
        "Сидоренко", "Дяченко", "Власенко", "Степаненко", "Костенко", "Гуменюк"],
                  ["Тарас", "Остап", "Микола", "Григорій", "Андрій", "Петро", "Іван", "Василь",
                   "Михайло", "Семен", "Олекса", "Богдан"],
                  ["Оксана", "Ганна", "Марія", "Олена", "Катерина", "Параска", "Ярина",
                   "Галина"], "ru"),
    "german": ("немец", [
        "Шмидт", "Мюллер", "Шнайдер", "Фишер", "Вебер", "Беккер", "Гофман", "Шульц", "Вагнер",
        "Майер", "Кох", "Рихтер", "Клейн", "Вольф", "Шредер", "Нейман", "Шварц", "Циммерман",
        "Браун", "Крюгер", "Гартман", "Ланге", "Шмитт", "Вернер", "Краузе", "Мейер", "Леман",
        "Кениг", "Вальтер", "Фукс", "Гербер", "Келлер", "Функ", "Дик", "Руппель"],
               ["Фридрих", "Иоганн", "Генрих", "Вильгельм", "Карл", "Готлиб", "Яков",
                "Давид", "Адам", "Эдуард", "Рудольф", "Андреас"],
               ["Эмма", "Берта", "Мария", "Амалия", "Эльза", "Лидия", "Ирма", "Роза",
                "Фрида", "Паулина"], "ru"),
    "korean": ("кореец", ["Ким", "Пак", "Ли", "Цой", "Хан", "Тен", "Огай", "Югай", "Шин",
                          "Нам", "Кан", "Лим", "Хван", "Пай", "Тян", "Мун", "Со", "Чон",
                          "Ни", "Эм"],
               ["Николай", "Пётр", "Василий", "Михаил", "Александр", "Иннокентий",
                "Павел", "Афанасий"],
               ["Мария", "Анна", "Ольга", "Елена", "Вера", "Софья"], "ru"),
    "polish": ("поляк", [
        "Ковальский", "Вишневский", "Домбровский", "Левандовский", "Каминский", "Зелинский",
        "Новак", "Войцеховский", "Ковальчик", "Мазур", "Кравчик", "Пётровский", "Гжибовский",
        "Павловский", "Михальский", "Яблонский", "Круль", "Врублевский", "Ставский",
        "Сенкевич", "Ястшембский", "Закшевский", "Малиновский", "Осецкий", "Ярошевский"],
               ["Юзеф", "Станислав", "Ян", "Казимир", "Владислав", "Францишек", "Тадеуш",
                "Болеслав", "Игнаций"],
               ["Ядвига", "Стефания", "Ванда", "Зофья", "Гелена", "Бронислава", "Янина"],
               "ru"),
    "chechen": ("чеченец", [
        "Арсанов", "Висаитов", "Гайрбеков", "Мальсагов", "Шерипов", "Дудаев", "Ахмадов",
        "Исаев", "Мусаев", "Байсултанов", "Эльмурзаев", "Хасбулатов", "Саидов", "Умаров",
        "Мациев", "Ошаев", "Табиев", "Дадаев", "Хамидов", "Яндаров"],
                ["Ахмед", "Магомед", "Ибрагим", "Хасан", "Асланбек", "Абдул", "Хамзат",
                 "Лечи", "Умар", "Аслан"],
                ["Хава", "Зулай", "Пятимат", "Маржан", "Айшат", "Петимат", "Малика"], "none"),
    "jewish": ("еврей", [
        "Гольдберг", "Рабинович", "Кацнельсон", "Шапиро", "Фридман", "Левин", "Коган",
        "Каган", "Гуревич", "Хаимович", "Лифшиц", "Зильберман", "Розенблюм", "Эпштейн",
        "Гинзбург", "Вайнштейн", "Финкельштейн", "Гельфанд", "Шустер", "Брейтман",
        "Липшиц", "Кацман", "Ландау", "Мандельштам", "Пастернак"],
               ["Иосиф", "Давид", "Моисей", "Яков", "Исаак", "Лев", "Абрам", "Соломон",
                "Наум", "Григорий", "Борис", "Самуил"],
               ["Сара", "Рахиль", "Эсфирь", "Фаина", "Роза", "Двойра", "Хая", "Рива",
                "Берта"], "ru"),
}
GROUP_WEIGHTS = {"russian": 30, "kazakh": 25, "ukrainian": 12, "german": 10, "korean": 7,
                 "polish": 6, "chechen": 5, "jewish": 5}
OCCUPATIONS = ["учитель", "колхозник", "инженер", "железнодорожник", "священник", "мулла",
               "врач", "писатель", "партийный работник", "бухгалтер", "рабочий", "агроном"]
AUTHORITIES = ["тройка НКВД", "Особое совещание (ОСО) при НКВД",
               "Военная коллегия Верховного суда СССР"]
ARTICLES = ["58-1а", "58-2", "58-6", "58-7", "58-8", "58-10", "58-11"]
FATES = [("executed", 35), ("died_in_custody", 20), ("died_in_exile", 10), ("survived", 25),
         ("unknown", 10)]
LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
                 ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n",
                  "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                  "", "e", "yu", "ya", "i", "yi", "ye", "g"], strict=True))


def transliterate(text: str) -> str:
    """A plain letter-by-letter Latin spelling, enough for demo variants."""
    out = "".join(LATIN.get(ch.lower(), ch.lower()) for ch in text)
    return out[:1].upper() + out[1:]


def female_surname(surname: str) -> str:
    """Russian-language documents decline by ending, whatever the family's origin:
    Левин → Левина, Ковальский → Ковальская; Шмидт, Ким, Шевченко stay as they are."""
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    return surname


def patronymic(father: str, sex: str, rule: str) -> str:
    if rule == "none":
        return ""
    if rule == "kk":
        return father + ("улы" if sex == "male" else "кызы")
    stem = father[:-1] + "е" if father.endswith("й") else father
    if father.endswith(("а", "я")):
        stem = father[:-1]
    return stem + ("вич" if sex == "male" else "вна") if stem.endswith("е") else (
        stem + ("ович" if sex == "male" else "овна"))


class DemoGenerator:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.started = timezone.now()
        self.places = list(Place.objects.filter(kind="settlement"))
        self.camps = list(Camp.objects.public())
        self.vocabulary = Vocabulary()  # spellings, stems and sounds of the names
        self.inserters = {model: BulkInserter(model) for model in
                          (Person, NameVariant, RepressionEvent, Relationship, NameKey,
                           YearKey)}

    def run(self, count: int) -> int:
        """Create up to ``count`` people (skipping those a rerun already made)."""
        existing = set(Person.objects.filter(external_id__startswith=f"demo-{self.seed}-")
                       .values_list("external_id", flat=True))
        created, statuses = 0, Counter()
        for start in range(0, count, CHUNK):
            people = [self.person(n) for n in range(start, min(count, start + CHUNK))]
            people = [p for p in people if p["fields"]["external_id"] not in existing]
            created += self.write(people)
            statuses.update(p["fields"]["status"] for p in people)
        published_changed()  # written in bulk, without the signals of save()
        moderation.record_bulk_entry(counts=statuses, reason="generate_demo",
                                     data={"seed": self.seed, "demo": True})
        return created

    def person(self, number: int) -> dict:
        rng = self.rng
        group = rng.choices(list(GROUP_WEIGHTS), weights=GROUP_WEIGHTS.values())[0]
        nationality, surnames, males, females, patronymic_rule = GROUPS[group]
        sex = "female" if rng.random() < 0.22 else "male"
        surname = rng.choice(surnames)
        if sex == "female":
            surname = female_surname(surname)
        given = rng.choice(males if sex == "male" else females)
        fate = rng.choices([f for f, _ in FATES], weights=[w for _, w in FATES])[0]
        birth_year = rng.randint(1870, 1920)
        arrest_year = rng.choices([1937, 1938, rng.randint(1929, 1953)], weights=[45, 35, 20])[0]
        birth_place = rng.choice(self.places)
        fields = {
            "external_id": f"demo-{self.seed}-{number}", "surname": surname,
            "given_name": given, "patronymic": patronymic(rng.choice(males), sex,
                                                          patronymic_rule),
            "sex": sex, "birth_date": parse(self.partial_date(birth_year)),
            "birth_place_id": birth_place.pk, "birth_place_name": birth_place.name,
            "nationality": nationality, "occupation": rng.choice(OCCUPATIONS),
            "fate": fate, "is_demo": True, "biography": DEMO_MARKER,
            # Published people always have a time (the home page lists the latest).
            **moderation.first_status("pending" if rng.random() < 0.03 else "published",
                                      at=self.started),
        }
        events = self.events(arrest_year, fate, group)
        death = next((e for e in events if e["kind"] in ("execution", "death_in_custody")),
                     None)
        if death:
            fields["death_date"] = parse(death["date"])
        variants = []
        if rng.random() < 0.4:
            variants.append({"surname": transliterate(surname),
                             "given_name": transliterate(given),
                             "kind": NameVariant.Kind.TRANSLITERATION})
        return {"fields": fields, "events": events, "variants": variants}

    def partial_date(self, year: int) -> str:
        rng = self.rng
        shape = rng.random()
        if shape < 0.45:
            return f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.{year}"
        if shape < 0.6:
            return f"{rng.randint(1, 12)}.{year}"
        if shape < 0.85:
            return str(year)
        if shape < 0.95:
            return f"около {year}"
        return f"{year - 1}–{year + 1}"

    def events(self, arrest_year: int, fate: str, group: str) -> list[dict]:
        rng = self.rng
        month = rng.randint(1, 10)
        arrest = f"{rng.randint(1, 28)}.{month}.{arrest_year}"
        sentence = f"{rng.randint(1, 28)}.{month + 1}.{arrest_year}"
        events = []
        if group in ("korean", "german", "chechen") and rng.random() < 0.5:
            year = {"korean": 1937, "german": 1941, "chechen": 1944}[group]
            events.append({"kind": "deportation", "date": str(year)})
        events.append({"kind": "arrest", "date": arrest})
        executed = fate == "executed"
        events.append({"kind": "sentence", "date": sentence,
                       "authority": rng.choice(AUTHORITIES), "article": rng.choice(ARTICLES),
                       "sentence": "ВМН" if executed else f"{rng.choice([5, 8, 10])} лет ИТЛ"})
        if executed:
            events.append({"kind": "execution",
                           "date": f"{rng.randint(1, 28)}.{month + 2}.{arrest_year}"})
        elif self.camps:
            camp = rng.choice(self.camps)
            events.append({"kind": "imprisonment", "date": str(arrest_year),
                           "camp_id": camp.pk, "camp_name": camp.name})
            if fate == "died_in_custody":
                events.append({"kind": "death_in_custody",
                               "date": str(arrest_year + rng.randint(1, 5))})
        if rng.random() < 0.6:
            events.append({"kind": "rehabilitation",
                           "date": str(rng.choice([rng.randint(1956, 1959),
                                                   rng.randint(1989, 1991)]))})
        return events

    def write(self, people: list[dict]) -> int:
        reason = "generate_demo"
        ids = self.inserters[Person].insert([p["fields"] for p in people],
                                            change_reason=reason, returning=True)
        events, variants, relationships, keys, years = [], [], [], [], []
        previous_man = None
        for person_id, person in zip(ids, people, strict=True):
            person_events = [{"person_id": person_id, **event, "date": parse(event["date"])}
                             for event in person["events"]]
            events += person_events
            person_years = year_rows(person_id, [
                person["fields"].get("birth_date"), person["fields"].get("death_date"),
                *(event["date"] for event in person_events if event["kind"] == "arrest")])
            years += person_years
            keys += key_rows(person_id, names_of(person["fields"], person["variants"]),
                             **listing(person["fields"]), year_bits=year_bits(person_years),
                             vocabulary=self.vocabulary)
            variants += [{"person_id": person_id, **variant} for variant in person["variants"]]
            # Some wives were sent to camps because their husbands were shot.
            if person["fields"]["sex"] == "female" and previous_man and self.rng.random() < 0.3:
                relationships.append({"person_id": person_id, "relative_id": previous_man,
                                      "kind": Relationship.Kind.SPOUSE})
                previous_man = None
            elif person["fields"]["fate"] == "executed" and person["fields"]["sex"] == "male":
                previous_man = person_id
        for model, rows in ((RepressionEvent, events), (NameVariant, variants),
                            (Relationship, relationships), (NameKey, keys),
                            (YearKey, years)):
            self.inserters[model].insert(rows, change_reason=reason)
        self.vocabulary.write()
        return len(ids)


def generate(count: int, seed: int) -> Iterator[str]:
    load_reference_data()
    created = DemoGenerator(seed).run(count)
    yield f"created {created} demo people (seed {seed})"
