"""The two classic MNIST models: a multi-layer perceptron and a small convnet."""

import keras

from digitpad import config


def build_mlp() -> keras.Model:
    """Flatten -> Dense(512, relu) -> Dense(10, softmax): 407,050 parameters."""
    return keras.Sequential(
        [
            keras.Input(shape=config.INPUT_SHAPE),
            keras.layers.Flatten(),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(config.NUM_CLASSES, activation="softmax"),
        ],
        name="mlp",
    )


def build_cnn() -> keras.Model:
    """Conv32-Pool-Conv64-Pool-Conv64-Dense64-Dense10: 93,322 parameters."""
    return keras.Sequential(
        [
            keras.Input(shape=config.INPUT_SHAPE),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(config.NUM_CLASSES, activation="softmax"),
        ],
        name="cnn",
    )


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn}


def build_model(name: str) -> keras.Model:
    """Return a fresh, untrained model by name ("mlp" or "cnn")."""
    config.check_model_name(name)
    return BUILDERS[name]()
