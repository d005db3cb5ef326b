"""Words for a handwriting synthesis network's soft window, shared by both diagrams and the inspector.

Graves (2013), section 5: between the first and second LSTM layers sits a window of K Gaussians
over the characters of the text to write (eqs. 46-51). At step t it reads layer 1's output h¹ₜ,
moves the Gaussians along the text and sends the window vector wₜ, a mix of the characters'
one-hot vectors, to the layers above and to layer 1 at step t + 1. The sizes come from the
spec's ``WindowSpec``, so what the canvas says is what ``SynthesisNetwork`` builds.
"""

from __future__ import annotations

from ...engine.spec import ModelSpec

WINDOW_TITLE = "Soft window"
TEXT_TITLE = "Text"
READS = "h¹ₜ"  # what the window reads: layer 1's output at step t
SENDS = "wₜ"  # the window vector, to the layers above
FEEDBACK = "wₜ₋₁ into layer 1"  # and back to layer 1 at the next step


def window_subtitle(spec: ModelSpec) -> str:
    """'10 Gaussians over the characters': the window's K."""
    components = spec.window.components if spec.window is not None else 0
    return f"{components} Gaussian{'' if components == 1 else 's'} over the characters"


def text_subtitle(spec: ModelSpec) -> str:
    """'53 characters, one-hot': what the window reads the text as."""
    characters = spec.window.alphabet_size if spec.window is not None else 0
    return f"{characters} characters, one-hot"
