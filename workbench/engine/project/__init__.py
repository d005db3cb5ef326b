"""The project: one HDF5 file holding the spec, the data, the weights, the history and the insides;
its lock, its stored records and the starter projects."""
