"""Importing a Book of Memory from CSV, as an archivist would."""

import gc
import io
import multiprocessing
import os
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from registry.importer import ImportFileError, RecordImporter
from registry.models import Citation, ModerationLog, NameVariant, Person, RepressionEvent
from registry.reading_ahead import ReadingProcessLost, made_in_child_process, read_ahead
from tests.factories import CampFactory, PlaceFactory

pytestmark = pytest.mark.django_db

HEADER = ("external_id,surname,given_name,patronymic,name_variants,sex,birth_date,birth_place,"
          "arrest_date,authority,article,sentence,camp,death_date,fate,rehabilitation_date,"
          "source_detail\n")
GOOD = (
    "kz-1,Байтурсынов,Ахмет,,Baitursynov Akhmet;Байтұрсынұлы Ахмет,м,1872,Акмолинск,"
    "1937-10-02,тройка НКВД,58-2,ВМН,,8.12.1937,расстрелян,1988,т. 1 с. 12\n"
    "kz-2,Иванова,Мария,Петровна,,ж,около 1900,,10.1937,ОСО,58-1в,8 лет ИТЛ,АЛЖИР,,survived,"
    "1956,\n"
)


def run_import(text: str | bytes, status="published", source="Book of Memory of Kazakhstan"):
    data = text.encode() if isinstance(text, str) else text
    errors = []
    importer = RecordImporter(status=status, source_title=source, on_error=errors.append)
    result = importer.run(io.BytesIO(data))
    return result, errors


def test_good_rows_become_full_records():
    alzhir = CampFactory(name="ALZHIR", other_names="АЛЖИР")
    akmolinsk = PlaceFactory(name="Akmolinsk")
    akmolinsk.names.create(name="Акмолинск", language="ru")

    result, errors = run_import(HEADER + GOOD)

    assert (result.created, result.rejected, errors) == (2, 0, [])
    baitursynov = Person.objects.get(external_id="kz-1")
    assert baitursynov.status == Person.Status.PUBLISHED
    assert str(baitursynov.death_date) == "1937-12-08"
    assert baitursynov.birth_place == akmolinsk
    assert baitursynov.fate == Person.Fate.EXECUTED
    assert sorted(str(v) for v in baitursynov.variants.all()) == [
        "Baitursynov Akhmet", "Байтұрсынұлы Ахмет"]
    kinds = set(baitursynov.events.values_list("kind", flat=True))
    assert kinds == {"arrest", "sentence", "execution", "rehabilitation"}
    sentence = baitursynov.events.get(kind="sentence")
    assert (sentence.authority, sentence.article, sentence.sentence) == ("тройка НКВД", "58-2",
                                                                         "ВМН")
    execution = baitursynov.events.get(kind="execution")
    assert execution.anniversary == 1208
    citation = baitursynov.citations.get()
    assert (citation.source.title, citation.detail) == ("Book of Memory of Kazakhstan",
                                                        "т. 1 с. 12")
    ivanova = Person.objects.get(external_id="kz-2")
    assert ivanova.sex == Person.Sex.FEMALE
    assert ivanova.birth_date_lower.year == 1898  # "about 1900" is a window
    imprisonment = ivanova.events.get(kind="imprisonment")
    assert (imprisonment.camp, imprisonment.camp_name) == (alzhir, "АЛЖИР")


def test_every_bad_row_is_reported_with_its_line_and_the_good_ones_imported():
    text = HEADER + GOOD + (
        "kz-3,Петров,,,,x,31.02.1900,,,,,,,,dead,,\n"
        ",,Безфамильный,,,,,,,,,,,,,,\n"
        "kz-5,Сидоров,Пётр,,,м,1890,,1937,,,,,,executed,,\n"
    )
    result, errors = run_import(text)

    assert (result.created, result.rejected) == (3, 2)
    assert [error.line for error in errors] == [4, 5]
    petrov = " ".join(errors[0].reasons)
    assert "sex" in petrov and "birth_date" in petrov and "fate" in petrov
    assert "surname" in " ".join(errors[1].reasons)
    assert Person.objects.filter(surname="Сидоров").exists()
    entry = ModerationLog.objects.get(action="people.entered")
    assert (entry.data["status"], entry.data["count"], entry.reason) == (
        "published", 3, "import_records")


def test_an_import_enters_people_only_pending_or_published():
    from registry.moderation import InvalidTransition

    for status in ("hidden", "merged", "rejected"):
        with pytest.raises(InvalidTransition):
            RecordImporter(status=status)


def test_line_numbers_count_multi_line_biographies():
    text = ("surname,biography,birth_date\n"
            "Первый,\"Учитель.\n\nРасстрелян в 1937.\",1890\n"
            "Второй,,not a date\n")
    result, errors = run_import(text)
    assert result.created == 1
    assert errors[0].line == 5
    assert Person.objects.get(surname="Первый").biography == "Учитель.\n\nРасстрелян в 1937."


def test_reimport_updates_instead_of_duplicating_and_keeps_a_revision():
    run_import(HEADER + GOOD)
    counts = (Person.objects.count(), RepressionEvent.objects.count(),
              NameVariant.objects.count(), Citation.objects.count())

    result, _ = run_import(HEADER + GOOD)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert counts == (Person.objects.count(), RepressionEvent.objects.count(),
                      NameVariant.objects.count(), Citation.objects.count())

    corrected = GOOD.replace("тройка НКВД", "Военная коллегия ВС СССР").replace("1872", "1873")
    result, _ = run_import(HEADER + corrected)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    person = Person.objects.get(external_id="kz-1")
    assert person.birth_date.year == 1873
    assert person.birth_date_lower.year == 1873  # bounds follow the date on update too
    assert person.events.get(kind="sentence").authority == "Военная коллегия ВС СССР"
    assert person.history.count() == 2
    assert person.history.first().history_change_reason == "import_records"
    assert person.history.last().birth_date.year == 1872


def test_a_corrected_date_in_a_reimport_moves_the_event_and_keeps_its_old_revision():
    run_import(HEADER + GOOD)
    corrected = GOOD.replace("1937-10-02", "1937-11-02")

    result, _ = run_import(HEADER + corrected)

    assert (result.updated, result.unchanged) == (1, 1)
    arrest = RepressionEvent.objects.get(person__external_id="kz-1", kind="arrest")
    assert (str(arrest.date), arrest.date_lower.month, arrest.anniversary) == (
        "1937-11-02", 11, 1102)  # the "on this day" page finds it on its new day
    assert [str(revision.date) for revision in arrest.history.all()] == [
        "1937-11-02", "1937-10-02"]
    assert arrest.history.first().history_change_reason == "import_records"
    sentence = RepressionEvent.objects.get(person__external_id="kz-1", kind="sentence")
    assert sentence.history.count() == 1  # unchanged events gain no revision


def test_records_with_any_characters_in_their_external_id_are_found_again():
    # Archive references as families and archives write them: quotes, backslashes,
    # braces and commas (which a list parameter must not split), Cyrillic, emoji.
    ids = ['ф. 8131, оп. 37', 'd"q', "back\\slash", "{1,2}", "NULL", "дело №7 🕯", "[]"]
    text = "external_id,surname\n" + "".join(
        '"' + external_id.replace('"', '""') + '",Ким\n' for external_id in ids)
    run_import(text)

    result, _ = run_import(text.replace("Ким", "Цой"))

    assert (result.created, result.updated) == (0, len(ids))
    assert sorted(Person.objects.values_list("external_id", flat=True)) == sorted(ids)
    assert set(Person.objects.values_list("surname", flat=True)) == {"Цой"}


def test_a_file_with_fewer_columns_blanks_nothing():
    run_import(HEADER + GOOD)
    result, _ = run_import("external_id,occupation\nkz-1,поэт\n")
    person = Person.objects.get(external_id="kz-1")
    assert result.updated == 1
    assert (person.occupation, person.given_name, str(person.birth_date)) == ("поэт", "Ахмет",
                                                                              "1872")


def test_same_record_twice_in_one_file_ends_as_one_person():
    result, _ = run_import("external_id,surname,occupation\nx-1,Ким,учитель\nx-1,Ким,врач\n")
    assert (result.created, result.updated) == (1, 1)
    assert Person.objects.get(external_id="x-1").occupation == "врач"


def test_unknown_columns_stop_the_import_before_anything_is_written():
    with pytest.raises(ImportFileError, match="'shoe_size'"):
        run_import("surname,shoe_size\nИванов,42\n")
    assert not Person.objects.exists()


def test_a_windows_1251_file_is_refused_with_a_hint():
    with pytest.raises(ImportFileError, match="Windows-1251"):
        run_import("фамилия\nИванов\n".encode("cp1251"))


def test_a_bad_byte_in_one_row_rejects_only_that_row():
    data = "surname\nИванов\n".encode() + "Петров\n".encode("cp1251") + "Сидоров\n".encode()
    result, errors = run_import(data)
    assert (result.created, result.rejected) == (2, 1)
    assert errors[0].line == 3 and "UTF-8" in errors[0].reasons[0]


def test_byte_order_mark_and_windows_line_ends_are_fine():
    result, errors = run_import("\ufeffsurname,birth_date\r\nИванов,1900\r\n".encode())
    assert (result.created, errors) == (1, [])


def test_pending_import_stays_off_the_public_site(client):
    run_import(HEADER + GOOD, status="pending")
    person = Person.objects.get(external_id="kz-1")
    assert person.status == Person.Status.PENDING
    assert client.get(person.get_absolute_url()).status_code == 404


def test_command_reports_counts_and_bad_lines(tmp_path, capsys):
    path = tmp_path / "book.csv"
    path.write_text(HEADER + GOOD + "kz-9,Плохой,,,,,99.99.1937,,,,,,,,,,\n", encoding="utf-8")
    call_command("import_records", str(path), "--status", "published", "--source", "Книга")
    output = capsys.readouterr()
    assert "created 2, updated 0, unchanged 0, rejected 1" in output.out
    assert "line 4: birth_date" in output.err


def test_command_refuses_unknown_columns_clearly(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("surname,colour\nИванов,red\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Unknown column"):
        call_command("import_records", str(path))


def test_an_update_only_row_for_an_unknown_record_is_reported():
    result, errors = run_import("external_id,occupation\nnobody-1,поэт\n")
    assert (result.created, result.rejected) == (0, 1)
    assert errors[0].line == 2 and "nobody-1" in errors[0].reasons[0]


def test_a_large_batch_keeps_every_name_with_its_own_person():
    # 700 people span several INSERT statements (or one COPY): each person's variant and
    # event must still land on that person, not a neighbour.
    rows = "".join(f"id-{n},Фамилия{n},Variant{n} Given,19.{n % 12 + 1}.1937,executed,"
                   f"{n % 28 + 1}.01.1938\n" for n in range(700))
    result, errors = run_import("external_id,surname,name_variants,arrest_date,fate,"
                                "death_date\n" + rows)
    assert (result.created, errors) == (700, [])
    mismatched = [
        variant for variant in NameVariant.objects.select_related("person")
        if variant.surname.removeprefix("Variant") != variant.person.surname.removeprefix(
            "Фамилия")
    ]
    assert mismatched == []
    person = Person.objects.get(external_id="id-345")
    assert str(person.events.get(kind="execution").date) == "1938-01-10"
    assert person.history.count() == 1


def test_every_name_event_and_citation_gets_a_revision_naming_the_file(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    call_command("import_records", str(path), "--status", "published", "--source", "Книга")

    for model in (Person, NameVariant, RepressionEvent, Citation):
        rows = model.objects.all()
        assert rows, model
        for row in rows:
            (revision,) = row.history.all()
            assert (revision.history_type, revision.history_change_reason) == (
                "+", "import_records book.csv")


def test_a_row_with_several_problems_lists_them_all_in_order():
    long_name = "Я" * 151
    result, errors = run_import(
        "surname,given_name,sex,birth_date,name_variants,article\n"
        f",{long_name},x,1937-13,Ok Name; {long_name} Given,{'5' * 101}\n"
        "Годный,,,,,\n")
    assert (result.created, result.rejected) == (1, 1)
    assert errors[0].line == 2
    assert errors[0].reasons == [
        "sex: unknown sex “x” (use male, female)",
        "birth_date: There is no month 13.",
        "surname: is empty",
        "given_name: longer than 150 characters",
        "article: longer than 100 characters",
        "name_variants: a name is longer than 150 characters",
    ]


def test_small_batches_give_the_same_result_as_one():
    text = ("external_id,surname,occupation,name_variants\n"
            "b-1,Ким,учитель,Kim\n"
            "b-2,Цой,врач,Tsoi;Tsoi\n"
            "b-1,Ким,поэт,Kim\n"
            ",,,\n"
            "b-3,Ли,,\n")
    importer = RecordImporter(status="published", source_title="Книга", batch_size=2)
    result = importer.run(io.BytesIO(text.encode()))
    assert (result.created, result.updated, result.unchanged, result.rejected) == (3, 1, 0, 0)
    assert Person.objects.get(external_id="b-1").occupation == "поэт"
    assert NameVariant.objects.filter(person__external_id="b-2").count() == 1
    assert Citation.objects.count() == 3


def test_each_row_cites_the_source_it_names_even_one_first_met_late_in_the_file():
    # The rows are read ahead of the writing; a source first named in a later batch is
    # made when that batch is written, and every person cites their own.
    text = ("external_id,surname,source,source_detail\n"
            "s-1,Ким,,с. 1\n"
            "s-2,Цой,Книга памяти Карлага,с. 2\n"
            "s-3,Ли,Книга памяти Карлага,с. 3\n"
            "s-4,Пак,Архив ДКНБ,д. 4\n"
            "s-5,Хан,,с. 5\n")
    importer = RecordImporter(status="published", source_title="Книга", batch_size=2)
    result = importer.run(io.BytesIO(text.encode()))

    assert (result.created, result.rejected) == (5, 0)
    cited = dict(Citation.objects.values_list("person__external_id", "source__title"))
    assert cited == {"s-1": "Книга", "s-2": "Книга памяти Карлага",
                     "s-3": "Книга памяти Карлага", "s-4": "Архив ДКНБ", "s-5": "Книга"}
    assert Citation.objects.get(person__external_id="s-4").detail == "д. 4"


def test_a_file_that_breaks_off_while_read_stops_the_import_and_keeps_what_was_written():
    # A network share dropping mid-file: the error reaches the archivist, the rows before
    # it that were written stay, and nothing is left running.
    def broken_stream():
        yield ("external_id,surname\n" + "".join(f"cut-{n},Фамилия{n}\n" for n in range(5))
               ).encode()
        raise OSError("the connection to the file share was reset")

    importer = RecordImporter(status="published", source_title="Книга", batch_size=2)
    with pytest.raises(OSError, match="reset"):
        importer.run(broken_stream())

    assert Person.objects.filter(external_id__startswith="cut-").count() == 4
    assert not reading_threads()
    assert not reading_processes()


def test_reading_ahead_stops_when_the_writer_stops_early():
    made = []

    def batches():
        for number in range(1000):
            made.append(number)
            yield number

    for number in read_ahead(batches()):
        if number == 3:
            break
    # One batch is read ahead of the one in use, not the rest of the file.
    assert len(made) <= 6
    assert not reading_threads()


def test_the_reading_process_stops_when_the_writer_stops_early(tmp_path):
    made = tmp_path / "made"  # the child's own memory is not ours: it notes what it made

    def batches():
        for number in range(1000):
            with made.open("a") as note:
                note.write(f"{number}\n")
            yield number, bytes(200_000)  # larger than what a pipe holds, as batches are

    for number, _ in made_in_child_process(batches()):
        if number == 3:
            time.sleep(0.5)  # time for a reader that ignored the pipe's limit to run on
            break
    assert not reading_processes()
    assert not reading_threads()
    # A few batches are made ahead of the one in use (the pipe holds some), not the file.
    assert 4 <= len(made.read_text().split()) <= 10


def test_a_reading_process_that_dies_is_reported_not_waited_for():
    def batches():
        yield "first"
        os._exit(3)  # killed, say, by a machine out of memory

    received = []
    with pytest.raises(ReadingProcessLost, match="exit code 3"):
        for batch in made_in_child_process(batches()):
            received.append(batch)
    assert received == ["first"]
    assert not reading_processes()


class ArchiveUnavailable(Exception):
    """An error that pickles but cannot be rebuilt: it keeps other arguments than it takes."""

    def __init__(self, fond, message):
        super().__init__(message)
        self.fond = fond


def local_error(message):
    class FileShareError(Exception):  # defined here, so pickle cannot find it by name
        pass

    return FileShareError(message)


@pytest.mark.parametrize("make_error", [local_error,
                                        lambda message: ArchiveUnavailable(8131, message)])
def test_an_error_in_the_reading_process_reaches_the_writer_even_if_it_cannot_be_pickled(
        make_error):
    def batches():
        yield 1
        raise make_error("the file share went away")

    with pytest.raises(ReadingProcessLost, match="the file share went away"):
        list(made_in_child_process(batches()))
    assert not reading_processes()


def test_an_import_stopped_by_its_caller_leaves_nothing_running():
    # A caller may stop at the first bad row (an upload that gives up, say); the error is
    # kept, with the import's frames, and the reading must not go on behind it.
    class GiveUp(Exception):
        pass

    def give_up(error):
        raise GiveUp(str(error))

    text = "surname,birth_date\n" + "Ким,1937\n" * 5 + "Цой,не дата\n" + "Ли,1938\n" * 3000
    importer = RecordImporter(status="published", batch_size=2, on_error=give_up)
    with pytest.raises(GiveUp) as stopped:
        importer.run(io.BytesIO(text.encode()))

    assert not reading_processes()  # while the error, and the import's frames, are kept
    assert not reading_threads()
    assert "line 7" in str(stopped.value)
    assert Person.objects.count() == 4  # the batches before the bad row, not after it


def test_an_import_leaves_the_garbage_collector_as_it_found_it():
    # The import runs the collector less often while it works; a process that imports
    # (a worker serving the site, say) gets its own settings back.
    before = gc.get_threshold()
    during = []
    importer = RecordImporter(status="published",
                              on_error=lambda error: during.append(gc.get_threshold()))
    importer.run(io.BytesIO("surname,birth_date\nКим,1937\nЦой,не дата\n".encode()))

    assert during and during[0][0] > before[0]
    assert gc.get_threshold() == before


def test_new_people_after_a_run_of_updates_get_all_their_parts(client, monkeypatch):
    # A list that first re-imports known records, then adds new ones: the new people
    # are made when written, not ahead (the reader stopped making them during the
    # updates), and lack nothing. Read in this process, where the reader sees the
    # writer's guess before each batch (a child process may have read the whole small
    # file first); this is also the way of a machine without fork.
    monkeypatch.setattr("registry.importer.can_fork", lambda: False)
    known = "".join(f"k-{n},Известный{n},,,\n" for n in range(10))
    header = "external_id,surname,name_variants,arrest_date,source_detail\n"
    run_import(header + known)
    new = ("n-1,Жумабаев,Zhumabaev,12.1937,с. 7\n"
           "n-2,Сейфуллин,Seifullin,02.1938,с. 8\n")
    importer = RecordImporter(status="published", source_title="Book of Memory of Kazakhstan",
                              batch_size=2)
    result = importer.run(io.BytesIO((header + known + new).encode()))

    assert (result.created, result.unchanged, result.rejected) == (2, 10, 0)
    person = Person.objects.get(external_id="n-2")
    assert [str(v) for v in person.variants.all()] == ["Seifullin"]
    assert str(person.events.get(kind="arrest").date) == "1938-02"
    assert person.citations.get().detail == "с. 8"
    assert "Сейфуллин" in client.get("/search/", {"q": "Seifullin"}).content.decode()


def reading_threads():
    return [thread for thread in threading.enumerate() if thread.name == "import-read-ahead"]


def reading_processes():
    return [child for child in multiprocessing.active_children()
            if child.name == "import-reader"]
