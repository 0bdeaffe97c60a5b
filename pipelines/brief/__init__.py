"""The living evidence brief: the HTA's questions answered from each published snapshot."""
