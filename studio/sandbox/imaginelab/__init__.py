"""The ImagineLab sandbox: a simulated second provider at `/sandbox/imaginelab/api/v1/`.

It speaks the contract of https://api.imagineview.art (docs/provider-contract.md §8): sign-in with a form-encoded OAuth2
password flow, bearer tokens or dedicated API keys, six generation types with integer ids and
lowercase statuses, a wallet that runs out (402), a rate limit (429) and FastAPI-shaped
`{"detail": ...}` errors. Its tables belong to the `sandbox` app (migrations there).
"""
