from __future__ import annotations

from django.urls import path

from studio.generation.views import (
    assist,
    bar,
    buttons,
    create,
    gallery,
    imports,
    lightbox,
    lineage,
    models,
    prices,
    tools,
    webhooks,
)

app_name = "generation"

urlpatterns = [
    path("", gallery.gallery, name="gallery"),
    path("bar/", bar.submit, name="bar_submit"),
    path("bar/quote/", bar.quote, name="bar_quote"),
    path("new/midjourney/", create.midjourney_new, name="midjourney_new"),
    path("new/midjourney/preview/", create.midjourney_preview, name="midjourney_preview"),
    path("new/flux/", create.flux_new, name="flux_new"),
    path("new/nano-banana/", models.nano_banana_new, name="nano_banana_new"),
    path("new/lumi-girl/", models.lumi_girl_new, name="lumi_girl_new"),
    path("new/video/", models.video_new, name="video_new"),
    path("tools/", tools.tools_index, name="tools"),
    path("tools/<slug:tool>/", tools.tool_new, name="tool"),
    path("g/<uuid:generation_id>/extend/", models.video_extend, name="video_extend"),
    path("g/<uuid:generation_id>/describe/", tools.describe_generate, name="describe_generate"),
    path("assist/enhance/", assist.enhance, name="enhance"),
    path("assist/credits/", assist.credits, name="credits"),
    path("prices/", prices.prices, name="prices"),
    path("import/", imports.import_start, name="import_start"),
    path("import/status/", imports.import_status, name="import_status"),
    path("g/<uuid:generation_id>/", gallery.detail, name="detail"),
    path("g/<uuid:generation_id>/card/", gallery.card, name="card"),
    path("g/<uuid:generation_id>/press/", buttons.press, name="press"),
    path("g/<uuid:generation_id>/vary-region/", buttons.vary_region, name="vary_region"),
    path("g/<uuid:generation_id>/cancel/", buttons.cancel, name="cancel"),
    path("g/<uuid:generation_id>/lineage/", lineage.lineage, name="lineage"),
    path("g/<uuid:generation_id>/panel/", lightbox.panel, name="lightbox"),
    path("a/<uuid:asset_id>/<str:kind>/", gallery.asset_file, name="asset"),
    path(
        "hooks/generations/<uuid:generation_id>/<str:token>/",
        webhooks.generation_webhook,
        name="webhook",
    ),
]
