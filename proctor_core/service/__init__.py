"""The HTTP service: a Django app exposing the core as REST API v1, the stand-alone pages and the admin.

The only part of :mod:`proctor_core` that imports Django. :mod:`proctor_core.service.api` is its in-process API
(used by the LTI adapter); :mod:`proctor_core.service.rest_api.v1` the REST API of DESIGN §7.
"""
