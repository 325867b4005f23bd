"""The errors edge-digits raises on purpose. Catch ``DigitsError`` to catch them all."""


class DigitsError(Exception):
    """Base class of every error edge-digits raises on purpose."""


class InputError(DigitsError, ValueError):
    """An image, frame or argument that cannot be used, with what was wrong and what to pass instead."""


class ModelError(DigitsError):
    """A model file that is missing, corrupt, or does not meet the runtime's input contract."""


class SourceError(DigitsError):
    """A camera, video, image or folder that cannot be opened or read."""
