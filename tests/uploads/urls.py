"""A test-only page with two image-source groups (used with @pytest.mark.urls): the form,
what the server received, and what materialize() made of it."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path

from studio.uploads.fields import ImageSourcesField, UserFormMixin
from studio.uploads.services import UploadRejected, materialize
from studio.urls import urlpatterns as studio_urlpatterns


class SourcesForm(UserFormMixin, forms.Form):
    reference_images = ImageSourcesField(max_count=8, label="Reference images")
    end_frame = ImageSourcesField(max_count=1, label="End frame")


PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% block content %}
<form method="post" enctype="multipart/form-data">{% csrf_token %}
  {% for field in form %}{% include "generation/_field.html" %}{% endfor %}
  <button type="submit">Send</button>
</form>
{% if received is not None %}
<p>Received files: <output id="received">{{ received|join:"," }}</output>
  (in all: <output id="all-files">{{ all_files }}</output>)</p>
<p>Valid: <output id="valid">{{ form.is_valid|yesno:"yes,no" }}</output></p>
<ol id="urls">{% for url in urls %}<li>{{ url }}</li>{% endfor %}</ol>
{% endif %}
{% endblock %}"""
)


@login_required
def sources_page(request):
    form = SourcesForm(request.POST or None, request.FILES or None, user=request.user)
    received, urls = None, []
    if request.method == "POST":
        received = [f.name for f in request.FILES.getlist("reference_images_files")]
        if form.is_valid():
            try:
                for name in ("reference_images", "end_frame"):
                    urls += materialize(user=request.user, sources=form.cleaned_data[name])
            except UploadRejected as exc:
                form.add_error(None, exc.message)
    all_files = sum(len(request.FILES.getlist(key)) for key in request.FILES)
    context = {"form": form, "received": received, "all_files": all_files, "urls": urls}
    return TemplateResponse(request, PAGE, context)


urlpatterns = [path("test/sources/", sources_page, name="test_sources"), *studio_urlpatterns]
