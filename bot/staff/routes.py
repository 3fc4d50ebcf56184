"""The staff pages' routes, for the console's route table (bot/console/routes.py turns each into a
Spec behind the same guard: signed in, role `staff` or `admin`, CSRF on every POST).

GET pages take their entry in the query string (?key=, ?term=, ?name=), so every GET path works
without parameters (an unknown entry leads back to its list).
"""

from __future__ import annotations

from bot.staff import api, pages

STAFF = ("staff",)
PAGE_GET_POST = ("GET", "POST")

# (path, endpoint, methods, roles, kind): the fields of bot.console.routes.Spec.
STAFF_ROUTES = (
    ("/console/staff", pages.home, ("GET",), STAFF, "page"),
    ("/console/staff/assets/staff.js", pages.script, ("GET",), STAFF, "page"),
    ("/console/staff/assets/staff.css", pages.stylesheet, ("GET",), STAFF, "page"),
    ("/console/staff/faqs", pages.faq_list, ("GET",), STAFF, "page"),
    ("/console/staff/faqs/new", pages.faq_new, PAGE_GET_POST, STAFF, "page"),
    ("/console/staff/faq", pages.faq_edit, PAGE_GET_POST, STAFF, "page"),
    ("/console/staff/faq/yaml", pages.faq_yaml, PAGE_GET_POST, STAFF, "page"),
    ("/console/staff/faq/retire", pages.faq_retire, ("POST",), STAFF, "page"),
    ("/console/staff/faq/restore", pages.faq_restore, ("POST",), STAFF, "page"),
    ("/console/staff/retired", pages.retired, ("GET",), STAFF, "page"),
    ("/console/staff/glossary", pages.glossary_list, ("GET",), STAFF, "page"),
    ("/console/staff/glossary/new", pages.term_new, PAGE_GET_POST, STAFF, "page"),
    ("/console/staff/glossary/term", pages.term_edit, PAGE_GET_POST, STAFF, "page"),
    ("/console/staff/glossary/retire", pages.term_retire, ("POST",), STAFF, "page"),
    ("/console/staff/glossary/restore", pages.term_restore, ("POST",), STAFF, "page"),
    ("/console/staff/intents", pages.intent_list, ("GET",), STAFF, "page"),
    ("/console/staff/intent", pages.intent_edit, PAGE_GET_POST, STAFF, "page"),
    ("/console/staff/training", pages.training, PAGE_GET_POST, STAFF, "page"),
    ("/console/staff/training/cancel", pages.training_cancel, ("POST",), STAFF, "page"),
    ("/console/staff/check", pages.check_now, ("POST",), STAFF, "page"),
    ("/console/staff/review", pages.review, ("GET",), STAFF, "page"),
    ("/console/staff/review/add", pages.review_add, ("POST",), STAFF, "page"),
    ("/console/staff/review/dismiss", pages.review_dismiss, ("POST",), STAFF, "page"),
    ("/api/console/staff/faqs", api.faq_list, ("GET",), STAFF, "api"),
    ("/api/console/staff/faqs/new", api.faq_create, ("POST",), STAFF, "api"),
    ("/api/console/staff/faqs/update", api.faq_update, ("POST",), STAFF, "api"),
    ("/api/console/staff/faqs/yaml", api.faq_yaml, ("POST",), STAFF, "api"),
    ("/api/console/staff/faqs/retire", api.faq_retire, ("POST",), STAFF, "api"),
    ("/api/console/staff/faqs/restore", api.faq_restore, ("POST",), STAFF, "api"),
    ("/api/console/staff/glossary", api.glossary_list, ("GET",), STAFF, "api"),
    ("/api/console/staff/glossary/new", api.glossary_create, ("POST",), STAFF, "api"),
    ("/api/console/staff/glossary/update", api.glossary_update, ("POST",), STAFF, "api"),
    ("/api/console/staff/glossary/retire", api.glossary_retire, ("POST",), STAFF, "api"),
    ("/api/console/staff/glossary/restore", api.glossary_restore, ("POST",), STAFF, "api"),
    ("/api/console/staff/intents", api.intent_list, ("GET",), STAFF, "api"),
    ("/api/console/staff/intents/update", api.intent_update, ("POST",), STAFF, "api"),
    ("/api/console/staff/check-text", api.check_text_api, ("POST",), STAFF, "api"),
    ("/api/console/staff/check", api.check_all_api, ("POST",), STAFF, "api"),
    ("/api/console/staff/training", api.training, ("GET",), STAFF, "api"),
    ("/api/console/staff/training/start", api.training_start, ("POST",), STAFF, "api"),
    ("/api/console/staff/training/cancel", api.training_cancel, ("POST",), STAFF, "api"),
    ("/api/console/staff/review", api.review, ("GET",), STAFF, "api"),
    ("/api/console/staff/review/add", api.review_add, ("POST",), STAFF, "api"),
    ("/api/console/staff/review/dismiss", api.review_dismiss, ("POST",), STAFF, "api"),
)
