"""viz: pictures and JupyterLab widgets drawn from the Trace a gradient call leaves behind."""
