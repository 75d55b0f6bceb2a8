"""``tfc.saved_model``: the exported model format, what ``tfc serve`` (TensorFlow Serving's REST API) loads.

``save(fn, export_dir, signatures=None, options=None)`` exports ``@tfc.compile`` functions with an
``input_signature``; ``save_graph(graph, export_dir, inputs, outputs)`` a TensorFlow GraphDef;
``tfc.estimator``'s ``export_saved_model`` writes TF1 graphs in the same format;
``load(export_dir)`` gives ``.signatures[name](**inputs) -> dict of numpy outputs`` compiled by XLA
and ``.metadata`` (the ``saved_model.json``). :mod:`.format` describes the layout;
``SaveOptions(executables_for_batch_sizes=(1, 8, 32))`` adds serialized executables (:mod:`.executables`).
"""

from .format import DEFAULT_SIGNATURE, FORMAT_VERSION, PREDICT_METHOD, SavedModelError, read_metadata
from .load import SavedModel, Signature, load
from .save import SaveOptions, save, save_graph

__all__ = ["DEFAULT_SIGNATURE", "FORMAT_VERSION", "PREDICT_METHOD", "SavedModel", "SavedModelError", "Signature", "load",
           "SaveOptions", "read_metadata", "save", "save_graph"]
