"""Review in Label Studio: labeling configs (config), tasks (tasks), the server (server),
the site API client (site), collecting decisions (collect), and simulated people (simulate).

Import the submodules directly; this package imports nothing so that `lpo` stays quick to load
(label-studio-sdk takes ~1 s to import and is only needed by `site`).
"""
