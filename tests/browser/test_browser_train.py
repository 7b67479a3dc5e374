"""Real-browser tests of the Train tab: training from a phone, a reload during training, Stop.

Its own `streamlit run` server (as `make run` starts it), tiny throwaway models and
DIGITPAD_TRAIN_LIMIT keep every training short.
"""
# ruff: noqa: F811 (pytest fixtures imported from test_browser are used as parameters)

import pytest
from helpers import artifacts_on_failure, expect
from test_browser import (  # noqa: F401 (fixtures)
    TRAINING_MS,
    WAIT_MS,
    browser,
    server,
    tiny_model_files,
)

from digitpad import config

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def open_page(browser, server, options: dict):
    """A fresh browser context on the app, with its page."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(server.url)
    return context, page


def main_button(page, name: str):
    return page.get_by_test_id("stMain").get_by_role("button", name=name, exact=True)


def test_a_phone_starts_a_training_from_the_train_tab_and_chooses(browser, server, request):
    context, page = open_page(browser, server, PHONE)
    with artifacts_on_failure(page, request.node.name, server.log):
        page.get_by_role("tab", name="Train").tap()
        train = main_button(page, "Train")
        expect(train).to_be_in_viewport(timeout=WAIT_MS)
        train.tap()
        keep = main_button(page, "Keep the current one")
        expect(keep).to_be_visible(timeout=TRAINING_MS)
        expect(page.get_by_text("The curves appear")).to_have_count(0)
        keep.tap()
        expect(page.get_by_text("You kept the CNN in use")).to_be_visible(timeout=WAIT_MS)
        expect(main_button(page, "Train")).to_be_enabled()
    context.close()


def test_a_reload_during_training_lands_on_its_progress_and_stop_leaves_no_stale_line(
    browser, server, request
):
    context, page = open_page(browser, server, DESKTOP)
    with artifacts_on_failure(page, request.node.name, server.log):
        epochs = page.get_by_label("Epochs")
        epochs.fill(str(config.MAX_EPOCHS))  # long enough to reload while it runs
        epochs.press("Enter")
        expect(epochs).to_have_value(str(config.MAX_EPOCHS))
        page.locator(".st-key-train button").click()
        progress = page.get_by_test_id("stMain").get_by_test_id("stProgress")
        expect(progress).to_be_visible(timeout=WAIT_MS)
        page.reload()
        expect(page.get_by_role("tab", name="Train")).to_have_attribute(
            "aria-selected", "true", timeout=WAIT_MS
        )
        expect(progress).to_contain_text("Training the CNN", timeout=WAIT_MS)
        main_button(page, "Stop").click()
        expect(page.get_by_text("training was stopped")).to_be_visible(timeout=TRAINING_MS)
        expect(page.get_by_text("The curves appear")).to_have_count(0)
    context.close()
