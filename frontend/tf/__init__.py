"""TensorFlow support: the GraphDef importer, the ``tf.*`` dialect and its legalization to core ops."""
