"""Images people give to the provider: uploads, typed links and gallery picks, exposed at
signed, expiring public URLs (docs/architecture.md "Uploads and public URLs", docs/architecture.md "Pitfalls" §5).

Public API: `studio.uploads.fields` (ImageSourcesField, ImageSource, bind_user,
UserFormMixin), `studio.uploads.services` (upload_create, materialize, UploadRejected),
`studio.uploads.public` (public_url, public_address_problem). Inside: images.py checks and
re-encodes (no database), sources.py holds the field's value types, widgets.py the widget,
views.py the public links and the gallery picker.
"""
