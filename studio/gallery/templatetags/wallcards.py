"""The wall's cards drawn in one go (`{% wall_cards page.object_list %}` in
gallery/gallery.html): the page's rows carry only what a card's cache key needs
(`pages.gallery_page(light=True)`), the cached cards are read with one `get_many`, and only
the others are read in full (two queries: the rows and their files) and drawn.

A page of 96 cards spent most of its time on work that a cached card does not need: every
column of every row (a dozen dates, four JSON fields), the page's files (a query and a few
hundred model instances) and, per card, the template's `{% with %}`, `{% filter %}` and
`{% cache %}` nodes. The HTML is the same as the `card`
partial's (studio.gallery.templatetags.cards): a cached card is looked up under the key its
`{% cache %}` tag uses, and a missing one is drawn by that partial, which stores it.
"""

from __future__ import annotations

from django import template
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.utils.safestring import SafeString, mark_safe

from studio.gallery import pages
from studio.gallery.templatetags.cards import Card, card_rights, fill_in

register = template.Library()

CARD_PARTIAL = "gallery/gallery.html#card"
FRAGMENT = "gallery-card"  # the `{% cache %}` fragment name in the `card` partial
CACHE_ALIAS = "cards"


def card_key(card: Card, locale: str) -> str:
    """The key under which the `card` partial's `{% cache %}` keeps `card`'s HTML (its
    vary-on values in the same order: id, updated_at, rights, `locale` as `Card.locale`
    gives it, the same for every card of a page)."""
    g = card.generation
    return make_template_fragment_key(FRAGMENT, [g.pk, g.updated_at, card.rights, locale])


@register.simple_tag(takes_context=True)
def wall_cards(context, generations) -> SafeString:
    """The HTML of `generations`' cards, in order, as the `card` partial draws each.
    `generations` may be light rows (KEY_FIELDS and `is_favourite`): the cards not in the
    cache are read again in full here (`pages.full_cards`; no query when all are cached)."""
    cards = [Card(g, card_rights(context, g), context) for g in generations]
    locale = cards[0].locale if cards else ""
    keys = {card.pk: card_key(card, locale) for card in cards if card.cached}
    found = caches[CACHE_ALIAS].get_many(list(keys.values())) if keys else {}
    missing = [card.generation for card in cards if keys.get(card.pk) not in found]
    full, partial = {}, None
    if missing:
        full = {g.pk: g for g in pages.full_cards(missing)}
        partial = context.template.engine.get_template(CARD_PARTIAL)
    out = []
    for card in cards:
        html = found.get(keys.get(card.pk))
        if html is not None:
            out.append(fill_in(html, card))
        elif card.pk in full:  # else deleted since the page was read
            with context.push(generation=full[card.pk]):
                out.append(partial.render(context))
    return mark_safe("\n".join(out))
