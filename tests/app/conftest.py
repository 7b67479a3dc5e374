"""The page's fixtures (AppTest): tiny models as the shipped ones, the app's folders in
tmp_path, a stand-in canvas, a small MNIST, trainings held at their first batch."""

import pytest
from app_helpers import TEST_COUNT, TRAIN_COUNT, FakeCanvas, app_homes, fake_canvas
from helpers import BatchGate, tiny_models

from digitpad import data


@pytest.fixture(scope="session")
def tiny_model_files(mnist_source, tmp_path_factory):
    return tiny_models(mnist_source, tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="module")
def mnist_subset(mnist_source):
    """A few hundred MNIST images: enough for a one-epoch training run."""
    (images, labels), (test_images, test_labels) = data.load_mnist(mnist_source)
    return (images[:TRAIN_COUNT], labels[:TRAIN_COUNT]), (
        test_images[:TEST_COUNT],
        test_labels[:TEST_COUNT],
    )


@pytest.fixture
def app_home(tiny_model_files, tmp_path, monkeypatch):
    """The app's folders, with tiny trained models as the shipped ones."""
    yield from app_homes(tiny_model_files, tmp_path, monkeypatch)


@pytest.fixture
def canvas(monkeypatch) -> FakeCanvas:
    """Replace the drawing canvas with a FakeCanvas."""
    return fake_canvas(monkeypatch)


@pytest.fixture
def gate(app_home, monkeypatch):
    """Hold trainings at their first batch (released before app_home stops the jobs)."""
    batch_gate = BatchGate().install(monkeypatch)
    yield batch_gate
    batch_gate.release()


@pytest.fixture
def small_mnist(mnist_subset, monkeypatch):
    """Make the app load the small MNIST subset."""
    monkeypatch.setattr(data, "load_mnist", lambda *arguments, **options: mnist_subset)
    return mnist_subset
