"""numbered_text: buttons written as numbered choices for channels without buttons."""

from bots.dialog import numbered_text
from bots.messages import Button, Reply


def _reply(*rows):
    return Reply("Nhiệm vụ đã hoàn thành chưa?", tuple(tuple(Button(label, f"t{label}") for label in row)
                                                      for row in rows))


def test_buttons_become_numbered_choices_in_reading_order():
    assert numbered_text(_reply(["Có", "Chưa"], ["Thoát"])) == (
        "Nhiệm vụ đã hoàn thành chưa?\n\nTrả lời 1 = Có, 2 = Chưa, 3 = Thoát.")


def test_buttons_labelled_with_their_own_numbers_are_summed_up():
    assert numbered_text(_reply(["1", "2", "3"], ["Thoát"])).endswith("Trả lời số 1–3 để chọn, 4 = Thoát.")
    assert numbered_text(_reply(["1"])).endswith("Trả lời số 1 để chọn.")


def test_a_reply_without_buttons_is_its_text():
    assert numbered_text(Reply("Đã thoát.")) == "Đã thoát."
