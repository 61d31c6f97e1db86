"""Importing the merchant's spreadsheet: mapping, preview, per-row errors, dedupe by phone,
progress, and undo."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.customers import selectors as customer_selectors
from regulars.customers import services as customer_services
from regulars.customers.models import Customer, CustomerImport
from regulars.customers.services import importing
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

SHEET = (
    "姓名,手机,生日,标签,备注\n"
    "张三,13800000901,1990-05-20,熟客;爱烫发,周末来\n"
    "李四,138 0000 0902,1988/12/01,,\n"
    "王五,12345,1990-01-01,,\n"  # not a phone number
    "赵六,13800000904,1990-13-40,,\n"  # not a date
    "张三丰,13800000901,,,\n"  # the same phone as row 2: merged into it
)


def upload(client, content: bytes, name="客户.csv"):
    return client.post("/console/customers/import/", {"file": SimpleUploadedFile(name, content)})


def test_columns_are_guessed_and_bad_rows_are_reported_by_number(salon):
    owner = salon[0]
    job = customer_services.start_import(actor=owner, filename="客户.csv", content=SHEET.encode())
    assert job.mapping == {"name": 0, "phone": 1, "birthday": 2, "tags": 3, "notes": 4}
    preview = customer_selectors.preview(job)
    # The preview promises exactly what the import does: 2 customers, 2 bad rows, 1 merged.
    assert (preview.valid, preview.invalid, preview.merged) == (2, 2, 1)
    customer_services.confirm_import(actor=owner, import_id=job.pk)
    customer_services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.updated_count, job.processed_rows) == (
        "done",
        preview.valid,
        0,
        5,
    )
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, "phone"), (5, "birthday")]
    zhang = Customer.objects.get(phone="+8613800000901")
    # The later row wins where it says something and keeps what it leaves empty.
    assert zhang.name == "张三丰" and f"{zhang.birthday}" == "1990-05-20"
    assert sorted(t.name for t in zhang.tags.all()) == ["熟客", "爱烫发"]


def test_a_known_phone_updates_the_customer_and_undo_restores_everything(salon, consumer):
    owner = salon[0]
    from regulars.customers.services import customer_for

    known = customer_for(merchant_id=owner.merchant.pk, consumer=consumer, source="order")
    content = f"name,phone,notes\n李老师,{consumer.phone},VIP\n新客,13800000911,\n".encode()
    job = customer_services.start_import(actor=owner, filename="list.csv", content=content)
    customer_services.confirm_import(actor=owner, import_id=job.pk)
    customer_services.run_import(job.pk)
    known.refresh_from_db()
    assert (known.name, known.notes) == ("李老师", "VIP")
    assert Customer.objects.filter(merchant=owner.merchant).count() == 2
    customer_services.undo_import(actor=owner, import_id=job.pk)
    known.refresh_from_db()
    assert (known.name, known.notes) == ("小李", "")
    assert not Customer.objects.filter(phone="+8613800000911").exists()
    with pytest.raises(DomainError, match="finished import"):
        customer_services.undo_import(actor=owner, import_id=job.pk)


def test_excel_files_are_read_too(salon):
    book = Workbook()
    sheet = book.active
    sheet.append(["客户", "联系方式"])
    sheet.append(["孙八", 13800000921])  # a phone typed as a number
    buffer = io.BytesIO()
    book.save(buffer)
    job = customer_services.start_import(
        actor=salon[0], filename="c.xlsx", content=buffer.getvalue()
    )
    customer_services.confirm_import(actor=salon[0], import_id=job.pk)
    customer_services.run_import(job.pk)
    assert Customer.objects.get(phone="+8613800000921").name == "孙八"


def test_unreadable_files_are_refused_with_a_reason(salon):
    for name, content, message in [
        ("x.pdf", b"%PDF", "csv or .xlsx"),
        ("x.csv", b"name,phone\n", "no rows"),
        ("x.xlsx", b"not a zip", "cannot be read"),
    ]:
        with pytest.raises(DomainError, match=message):
            customer_services.start_import(actor=salon[0], filename=name, content=content)
    assert not CustomerImport.objects.exists()


def test_the_pages_upload_map_preview_run_and_show_errors(
    client, salon, django_capture_on_commit_callbacks
):
    owner = salon[0]
    client.force_login(owner.user)
    uploaded = upload(client, SHEET.encode())
    job = CustomerImport.objects.get()
    assert uploaded["Location"] == f"/console/customers/import/{job.pk}/"
    page = client.get(uploaded["Location"]).content.decode()
    assert "2 customers ready" in page and "is not a phone number" in page
    assert "merged into that customer" in page
    mapping = {"name": "0", "phone": "1", "birthday": "", "tags": "3", "notes": "4", "consent": ""}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(uploaded["Location"], {**mapping, "action": "run"})
    page = client.get(uploaded["Location"]).content.decode()
    assert 'data-import-status="done"' in page and "is not a phone number" in page
    # Without the birthday column, row 5 (a bad date) imports too.
    assert Customer.objects.filter(merchant=owner.merchant).count() == 3


def test_another_merchant_cannot_see_or_undo_an_import(client, salon, owner_b):
    job = customer_services.start_import(actor=salon[0], filename="c.csv", content=SHEET.encode())
    client.force_login(owner_b.user)
    assert client.get(f"/console/customers/import/{job.pk}/").status_code == 404
    cashier = make_person("13900000931")
    client.force_login(cashier)
    assert client.get("/console/customers/import/").status_code == 302


def test_the_api_imports_and_undoes(client, salon, api_token, django_capture_on_commit_callbacks):
    headers = api_token(salon[0].user)
    made = client.post(
        "/api/v1/merchant/customer-imports",
        {"file": SimpleUploadedFile("c.csv", SHEET.encode())},
        **headers,
    )
    assert made.status_code == 201 and made.json()["mapping"]["phone"] == 1
    job_id = made.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        ran = client.post(f"/api/v1/merchant/customer-imports/{job_id}/run", **headers)
    assert ran.status_code == 200
    done = client.get(f"/api/v1/merchant/customer-imports/{job_id}", **headers).json()
    assert (done["status"], done["created_count"], len(done["errors"])) == ("done", 2, 2)
    undone = client.post(f"/api/v1/merchant/customer-imports/{job_id}/undo", **headers)
    assert undone.json()["status"] == "undone" and not Customer.objects.exists()
    segment = client.post(
        "/api/v1/merchant/segments",
        {"name": "all", "rules": {}},
        content_type="application/json",
        **headers,
    )
    assert segment.status_code == 201 and segment.json()["size"] == 0


def test_an_import_whose_worker_died_resumes_where_it_stopped(
    salon, settings, django_capture_on_commit_callbacks
):
    import datetime as dt
    from unittest import mock

    owner = salon[0]
    rows = "".join(f"客{n},1380000097{n},\n" for n in range(5))
    job = customer_services.start_import(
        actor=owner, filename="big.csv", content=f"姓名,手机,备注\n{rows}".encode()
    )
    customer_services.confirm_import(actor=owner, import_id=job.pk)
    real_create, calls = Customer.objects.create, []

    def dies_on_the_third(**fields):
        calls.append(fields["phone"])
        if len(calls) == 3:
            raise SystemExit("the worker was killed")
        return real_create(**fields)

    with (
        mock.patch.object(importing, "IMPORT_CHUNK", 2),
        mock.patch.object(Customer.objects, "create", side_effect=dies_on_the_third),
        pytest.raises(SystemExit),
    ):
        customer_services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.written_rows, job.created_count) == ("running", 2, 2)
    assert Customer.objects.filter(merchant=owner.merchant).count() == 2
    # Not yet stalled: nothing happens. Ten minutes later the periodic task restarts it.
    assert customer_services.resume_stalled_imports() == []
    later = clock.now() + dt.timedelta(minutes=11)
    with (
        mock.patch.object(importing, "IMPORT_CHUNK", 2),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert customer_services.resume_stalled_imports(now=later) == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.written_rows, job.created_count) == ("done", 5, 5)
    assert Customer.objects.filter(merchant=owner.merchant).count() == 5
    customer_services.run_import(job.pk)  # a redelivered task changes nothing
    assert Customer.objects.filter(merchant=owner.merchant).count() == 5
    customer_services.undo_import(actor=owner, import_id=job.pk)
    assert not Customer.objects.filter(merchant=owner.merchant).exists()


def test_a_hostile_file_is_refused_in_bounded_memory(salon):
    """A 125 KB CSV whose header is 100,000 commas once cost 1.6 GB (every row padded to the
    widest); now it is refused at its first row, with a reason, and nothing is stored."""
    import tracemalloc

    owner = salon[0]
    hostile = ("姓名,手机" + "," * 100_000 + "x\n" + "张三,13800000901\n" * 1_000).encode()
    tracemalloc.start()
    try:
        with pytest.raises(DomainError, match="more than 50 columns"):
            customer_services.start_import(actor=owner, filename="wide.csv", content=hostile)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024, peak
    huge_cell = ("姓名,手机,备注\n张三,13800000901," + "长" * 5_000 + "\n").encode()
    with pytest.raises(DomainError, match="longer than"):
        customer_services.start_import(actor=owner, filename="cell.csv", content=huge_cell)
    assert not CustomerImport.objects.exists()


def test_empty_trailing_columns_are_no_reason_to_refuse(salon):
    """Excel often saves a few empty columns after the last one used."""
    content = ("姓名,手机" + "," * 80 + "\n" + "张三,13800000901" + "," * 80 + "\n").encode()
    job = customer_services.start_import(actor=salon[0], filename="c.csv", content=content)
    assert job.total_rows == 1 and job.mapping == {"name": 0, "phone": 1}


def test_undo_removes_the_tags_the_import_made_and_restores_consent_stamps(salon, consumer):
    from regulars.customers.models import Tag
    from regulars.customers.services import customer_for

    owner = salon[0]
    known = customer_for(merchant_id=owner.merchant.pk, consumer=consumer, source="order")
    Tag.objects.create(merchant=owner.merchant, name="老客")
    content = (f"姓名,手机,标签,同意接收\n李老师,{consumer.phone},老客;新标签,是\n").encode()
    job = customer_services.start_import(actor=owner, filename="t.csv", content=content)
    job.mapping = {"name": 0, "phone": 1, "tags": 2, "consent": 3}
    job.save(update_fields=["mapping"])
    customer_services.confirm_import(actor=owner, import_id=job.pk)
    customer_services.run_import(job.pk)
    known.refresh_from_db()
    assert known.consent and known.consent_at is not None
    assert Tag.objects.filter(merchant=owner.merchant, name="新标签").exists()
    customer_services.undo_import(actor=owner, import_id=job.pk)
    known.refresh_from_db()
    assert (known.consent, known.consent_at, known.consent_purpose) == (False, None, "")
    assert not Tag.objects.filter(merchant=owner.merchant, name="新标签").exists()
    assert Tag.objects.filter(merchant=owner.merchant, name="老客").exists()  # it was there before
