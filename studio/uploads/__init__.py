"""Images people give to the provider: uploads, typed links and gallery picks, exposed at
signed, expiring public URLs (DESIGN.md "Uploads and public URLs", TECH.md §5).

Public API: `studio.uploads.fields` (ImageSourcesField, ImageSource, bind_user,
UserFormMixin), `studio.uploads.services` (upload_create, materialize, UploadRejected),
`studio.uploads.public` (public_url, public_address_problem).
"""
