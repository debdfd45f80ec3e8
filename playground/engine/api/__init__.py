"""API machinery: resource discovery, schemas, validation, defaulting, patching.

These modules know the shape of Kubernetes objects; the API server (`engine.apiserver`)
applies them to requests.
"""
