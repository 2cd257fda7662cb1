"""Across an organisation: a snapshot per member account, and the PassRole matrix of every account as one
Parquet dataset, on Dask (``dask.distributed``): a LocalCluster sized to the machine, or an existing cluster."""
