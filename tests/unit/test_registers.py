"""The in-memory register (the fake) behaves as the SQLite register (the real one) does."""
import pytest

from services.common.domain import InMemoryRegister
from services.common.sqlite_register import SqliteRegister


@pytest.fixture(params=["memory", "sqlite"])
def register(request, tmp_path):
    if request.param == "memory":
        yield InMemoryRegister()
    else:
        register = SqliteRegister(tmp_path / "register.sqlite")
        yield register
        register.close()


def test_records_by_kind_and_key(register):
    register.put("person", "1", {"name": "王建国", "sex": "male"})
    register.put("person", "2", {"name": "李秀英", "sex": "female"})
    register.put("household", "1", {"name": "王建国"})
    assert register.get("person", "1") == {"name": "王建国", "sex": "male"}
    assert register.get("person", "3") is None
    assert register.find("person", sex="female") == [{"name": "李秀英", "sex": "female"}]
    assert len(register.all("person")) == 2


def test_counters_count_from_one(register):
    assert [register.next_number("card") for _ in range(3)] == [1, 2, 3]
    assert register.next_number("other") == 1


def test_a_failed_transaction_leaves_nothing(register):
    with pytest.raises(RuntimeError):
        with register.transaction():
            register.put("person", "1", {"name": "x"})
            register.next_number("card")
            raise RuntimeError
    assert register.get("person", "1") is None
    assert register.next_number("card") == 1


def test_a_failed_inner_transaction_undoes_only_its_own_part(register):
    with register.transaction():
        register.put("command", "c1", {"done": True})
        with pytest.raises(RuntimeError):
            with register.transaction():
                register.put("person", "1", {"name": "x"})
                raise RuntimeError
    assert register.get("command", "c1") == {"done": True}
    assert register.get("person", "1") is None


def test_sqlite_register_keeps_records_across_reopening(tmp_path):
    first = SqliteRegister(tmp_path / "r.sqlite")
    with first.transaction():
        first.put("card", "1", {"card_no": "S00000001", "name": "王小禾"})
        first.next_number("card")
    first.close()
    again = SqliteRegister(tmp_path / "r.sqlite")
    assert again.get("card", "1")["name"] == "王小禾"
    assert again.next_number("card") == 2
    again.close()
