"""English and Bangla labels for the pages, and unambiguous dates in either language.

Contract:
- ``LABELS`` maps a key to its English and Bangla text; every key has both (a test checks it,
  and that every key a template uses exists).
- ``translate(key, lang)`` never raises: an unknown language falls back to English, an unknown
  key renders as the key itself (visible in review, never a crash).
- Dates are shown as ``12 Mar 2025`` / ``১২ মার্চ ২০২৫``: day, month name, four-digit year, so
  12/03 vs 03/12 confusion cannot happen.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum


class Lang(StrEnum):
    """A page language."""

    EN = "en"
    BN = "bn"


def parse_lang(value: str | None) -> Lang:
    """The language named by ``value`` (cookie or query), English if unknown."""
    try:
        return Lang((value or "").strip().lower())
    except ValueError:
        return Lang.EN


LABELS: dict[str, tuple[str, str]] = {
    # layout
    "app_name": ("Shondhan", "সন্ধান"),
    "tagline": ("Missing children matching", "হারানো শিশু অনুসন্ধান"),
    "language": ("Language", "ভাষা"),
    "skip_to_content": ("Skip to content", "মূল অংশে যান"),
    "signed_in_as": ("Signed in as", "প্রবেশ করেছেন"),
    "nav_home": ("Home", "প্রথম পাতা"),
    "nav_submit": ("New interception", "নতুন আটক"),
    "nav_review": ("Review queue", "যাচাই তালিকা"),
    "nav_reports": ("Reports", "নিখোঁজ রিপোর্ট"),
    "nav_reconcile": ("Batch matching", "একসাথে মিলানো"),
    "nav_admin": ("Admin", "প্রশাসন"),
    "sign_in": ("Sign in", "প্রবেশ করুন"),
    "sign_out": ("Sign out", "বের হোন"),
    "username": ("Username", "ব্যবহারকারীর নাম"),
    "password": ("Password", "পাসওয়ার্ড"),
    "sign_in_failed": (
        "Wrong username or password. After several failed tries, wait a few minutes "
        "before trying again.",
        "ব্যবহারকারীর নাম বা পাসওয়ার্ড ভুল। কয়েকবার ভুল হলে কয়েক মিনিট অপেক্ষা করে আবার চেষ্টা করুন।",
    ),
    "sign_in_rate_limited": (
        "Too many sign-in attempts from this address. Wait a minute and try again.",
        "এই ঠিকানা থেকে অনেকবার প্রবেশের চেষ্টা হয়েছে। এক মিনিট অপেক্ষা করে আবার চেষ্টা করুন।",
    ),
    "password_too_short": (
        "The password must have at least 10 characters.",
        "পাসওয়ার্ড অন্তত ১০ অক্ষরের হতে হবে।",
    ),
    "password_too_long": ("The password is too long.", "পাসওয়ার্ড খুব লম্বা।"),
    "forbidden": (
        "Your role may not open this page.",
        "আপনার ভূমিকায় এই পাতা খোলার অনুমতি নেই।",
    ),
    "csrf_failed": (
        "The form expired or came from another site. Reload the page and try again.",
        "ফর্মের মেয়াদ শেষ বা অন্য সাইট থেকে এসেছে। পাতা আবার খুলে চেষ্টা করুন।",
    ),
    "not_found": ("Not found.", "পাওয়া যায়নি।"),
    "conflict": (
        "Already decided, or the child or the report is already matched. "
        "An admin must revoke the earlier confirmation first.",
        "আগেই সিদ্ধান্ত হয়েছে, অথবা শিশু বা রিপোর্ট আগেই মিলেছে। "
        "আগের নিশ্চিতকরণ প্রশাসককে আগে প্রত্যাহার করতে হবে।",
    ),
    "invalid_input": ("Some of the input is not valid.", "কিছু তথ্য সঠিক নয়।"),
    "error": ("Something went wrong.", "কিছু একটা ভুল হয়েছে।"),
    "welcome": ("Welcome", "স্বাগতম"),
    "role": ("Role", "ভূমিকা"),
    "role_bgb_officer": ("BGB officer", "বিজিবি কর্মকর্তা"),
    "role_police_reviewer": ("Police reviewer", "পুলিশ যাচাইকারী"),
    "role_analyst": ("Analyst", "বিশ্লেষক"),
    "role_admin": ("Administrator", "প্রশাসক"),
    # record fields
    "field_name": ("Name", "নাম"),
    "field_father_name": ("Father's name", "পিতার নাম"),
    "field_mother_name": ("Mother's name", "মাতার নাম"),
    "field_sex": ("Sex", "লিঙ্গ"),
    "field_age": ("Age (years)", "বয়স (বছর)"),
    "field_estimated_age": ("Estimated age (years)", "আনুমানিক বয়স (বছর)"),
    "age_now": ("Age now (expected)", "এখনকার বয়স (আনুমানিক)"),
    "field_home_district": ("Home district", "নিজ জেলা"),
    "field_home_upazila": ("Home upazila", "নিজ উপজেলা"),
    "field_district": ("District", "জেলা"),
    "field_upazila": ("Upazila", "উপজেলা"),
    "field_border_post": ("Border post", "সীমান্ত চৌকি"),
    "field_guardian_phone": ("Guardian's phone", "অভিভাবকের ফোন"),
    "field_reports_on_file": ("Reports on file", "নথিভুক্ত রিপোর্ট"),
    "field_phone_hint": ("Only if the child knows it", "শিশু জানলে তবেই"),
    "field_interception_date": ("Date intercepted", "আটকের তারিখ"),
    "field_report_date": ("Date reported", "রিপোর্টের তারিখ"),
    "field_police_station": ("Police station", "থানা"),
    "field_report_id": ("Report id", "রিপোর্ট নম্বর"),
    "field_interception_id": ("Interception id", "আটক নম্বর"),
    "field_place": ("Home place", "নিজ এলাকা"),
    "sex_M": ("Male", "ছেলে"),
    "sex_F": ("Female", "মেয়ে"),
    "unknown": ("Unknown", "অজানা"),
    "optional": ("optional", "ঐচ্ছিক"),
    # interceptions and candidates
    "submit_title": ("New interception", "নতুন আটক"),
    "submit_help": (
        "Fill in what the child can tell you. Leave unknown fields empty; "
        "Bangla or English both work.",
        "শিশু যা বলতে পারে তা লিখুন। অজানা ঘর খালি রাখুন; বাংলা বা ইংরেজি দুটোই চলবে।",
    ),
    "submit_button": ("Find matches", "মিল খুঁজুন"),
    "candidates_title": ("Possible matches", "সম্ভাব্য মিল"),
    "candidate_rows": (
        "Rows in the candidates file (the top candidates of every interception, every band)",
        "প্রার্থী ফাইলের সারি (প্রতিটি আটকের শীর্ষ প্রার্থী, সব শ্রেণি)",
    ),
    "no_candidates": (
        "No matching report found yet. The interception is saved "
        "and will be matched as reports arrive.",
        "এখনো কোনো মিল পাওয়া যায়নি। আটকের তথ্য সংরক্ষিত হয়েছে; নতুন রিপোর্ট এলে মিলানো হবে।",
    ),
    "interception_saved": ("Interception saved", "আটকের তথ্য সংরক্ষিত"),
    "interception": ("Interception", "আটক"),
    "interceptions_mine": ("My recent interceptions", "আমার সাম্প্রতিক আটক"),
    "report": ("Report", "রিপোর্ট"),
    "queue_new_title": (
        "New candidates since you last opened the queue",
        "আপনি শেষবার সারি খোলার পর নতুন প্রার্থী",
    ),
    "queue_new_mark": ("new", "নতুন"),
    "queue_group_others": (
        "+ {n} more of the same child",
        "+ একই শিশুর আরও {n}টি",
    ),
    "queue_order_newest": ("Newest first", "নতুন আগে"),
    "queue_order_score": ("Highest score first", "সর্বোচ্চ স্কোর আগে"),
    "already_intercepted": (
        "Children already intercepted who may be this child",
        "ইতিমধ্যে আটক শিশু, যে এই শিশু হতে পারে",
    ),
    "already_intercepted_none": (
        "No child intercepted so far resembles this report; "
        "children intercepted later are matched with it at once.",
        "এখন পর্যন্ত আটক কোনো শিশুর সাথে এই রিপোর্টের মিল নেই; পরে আটক শিশুদের সাথে সঙ্গে সঙ্গে মিলানো হবে।",
    ),
    "rank": ("Rank", "ক্রম"),
    "score": ("Score", "স্কোর"),
    "band": ("Band", "শ্রেণি"),
    "band_match": ("Likely match: a reviewer confirms", "সম্ভাব্য মিল: যাচাইকারী নিশ্চিত করবেন"),
    "band_review": ("Needs review", "যাচাই দরকার"),
    "band_no_match": ("Unlikely: not queued", "মিলের সম্ভাবনা কম: যাচাইয়ে পাঠানো হয়নি"),
    "band_any": ("Any band", "যেকোনো শ্রেণি"),
    "status": ("Status", "অবস্থা"),
    "status_open": ("Open", "খোলা"),
    "status_matched": ("Matched", "মিলেছে"),
    "status_found": ("Found", "পাওয়া গেছে"),
    "open_candidate": ("Open", "খুলুন"),
    "cand_open": ("awaiting review", "যাচাইয়ের অপেক্ষায়"),
    "cand_open_unqueued": ("not in the review queue", "যাচাইয়ের তালিকায় নেই"),
    "cand_unsure": ("unsure", "অনিশ্চিত"),
    "cand_confirmed": ("confirmed", "নিশ্চিত"),
    "cand_rejected": ("rejected", "বাতিল"),
    "revoked": ("revoked", "প্রত্যাহার করা হয়েছে"),
    "why": ("Why", "কারণ"),
    "ask_next_intro": (
        "{n} reports fit this description. Asking for the {field} would narrow it most.",
        "{n}টি রিপোর্ট এই বর্ণনার সাথে মেলে। {field} জিজ্ঞেস করলে সবচেয়ে বেশি বাছাই হবে।",
    ),
    "ask_next_also": ("Also useful: {fields}.", "এগুলোও কাজে লাগবে: {fields}।"),
    "ask_next_button": ("Add and re-rank", "যোগ করে আবার সাজান"),
    # review
    "review_title": ("Review queue", "যাচাই তালিকা"),
    "review_empty": ("Nothing waiting for review.", "যাচাইয়ের জন্য কিছু নেই।"),
    "filter": ("Filter", "ছাঁকুন"),
    "date_from": ("From", "থেকে"),
    "date_to": ("To", "পর্যন্ত"),
    "date_to_before_date_from": (
        "The “To” date is before the “From” date: no candidate can match.",
        "“পর্যন্ত” তারিখটি “থেকে” তারিখের আগে: কোনো মিল পাওয়া যাবে না।",
    ),
    "candidate_title": ("Candidate", "সম্ভাব্য মিল"),
    "side_by_side": ("Interception and report side by side", "আটক ও রিপোর্ট পাশাপাশি"),
    "field": ("Field", "ঘর"),
    "verdict": ("Verdict", "মতামত"),
    "age_not_compared": ("Age: not on both records", "বয়স: দুই রেকর্ডে নেই"),
    "place_not_compared": ("Home: not on both records", "বাড়ি: দুই রেকর্ডে নেই"),
    "field_dates": ("Dates (intercepted / reported)", "তারিখ (আটক / অভিযোগ)"),
    "contributions": ("What drove the score", "স্কোরের পেছনের কারণ"),
    "contributions_help": (
        "One line per field. Bars to the right make a match more likely, to the left less likely.",
        "প্রতিটি তথ্যের এক লাইন। ডানের দাগ মিলের সম্ভাবনা বাড়ায়, বামের দাগ কমায়।",
    ),
    "decision": ("Decision", "সিদ্ধান্ত"),
    "decision_confirm": ("Confirm match", "মিল নিশ্চিত"),
    "decision_reject": ("Not the same child", "একই শিশু নয়"),
    "decision_unsure": ("Unsure", "নিশ্চিত নই"),
    "note": ("Note", "মন্তব্য"),
    "decision_saved": ("Decision saved", "সিদ্ধান্ত সংরক্ষিত"),
    "decided": ("Already decided", "সিদ্ধান্ত হয়ে গেছে"),
    # reports
    "reports_title": ("Missing-person reports", "নিখোঁজ রিপোর্ট"),
    "report_add": ("Add a report", "রিপোর্ট যোগ করুন"),
    "report_added": ("Report saved", "রিপোর্ট সংরক্ষিত"),
    "possible_duplicates": (
        "This child may already be in Shondhan as:",
        "এই শিশু হয়তো আগেই সন্ধানে আছে:",
    ),
    "case_of": ("Same child (case):", "একই শিশু (কেস):"),
    "same_child_reports": (
        "This child may also be reported as:",
        "এই শিশুর আরও রিপোর্ট থাকতে পারে:",
    ),
    "report_import": ("Import a CSV file", "CSV ফাইল আমদানি"),
    "import_partial": ("Keep the good rows if some are bad", "কিছু সারি ভুল হলেও ঠিকগুলো রাখুন"),
    "import_button": ("Import", "আমদানি"),
    "import_done": ("Rows imported: {n}", "আমদানি হয়েছে: {n} সারি"),
    "import_rejected": ("Nothing imported: fix these rows", "কিছুই আমদানি হয়নি: এই সারিগুলো ঠিক করুন"),
    "row": ("Row", "সারি"),
    "reason": ("Reason", "কারণ"),
    "import_rejects_shown": (
        "Bad rows: {rows} ({n} problems); the first {shown} are listed below",
        "ভুল সারি: {rows} ({n}টি সমস্যা); প্রথম {shown}টি নিচে দেখানো হলো",
    ),
    "import_rejects_download": ("Download every problem (CSV)", "সব সমস্যা ডাউনলোড করুন (CSV)"),
    "import_reject_counts": ("Problems by field and reason", "ঘর ও কারণ অনুযায়ী সমস্যা"),
    "count": ("Count", "সংখ্যা"),
    "search": ("Search", "খুঁজুন"),
    "search_name": ("Name (Bangla or English)", "নাম (বাংলা বা ইংরেজি)"),
    "search_no_results": ("No report with that name.", "এই নামে কোনো রিপোর্ট নেই।"),
    "save": ("Save", "সংরক্ষণ"),
    # reconciliation
    "reconcile_title": ("Batch matching", "একসাথে মিলানো"),
    "reconcile_help": (
        "Match all open interceptions against all open reports in the background.",
        "সব খোলা আটক ও সব খোলা রিপোর্ট পেছনে একসাথে মিলানো হবে।",
    ),
    "reconcile_start": ("Start a run", "শুরু করুন"),
    "reconcile_progress": ("Progress", "অগ্রগতি"),
    "reconcile_download": ("Download candidates (CSV)", "ফলাফল নামান (CSV)"),
    "reconcile_runs": ("Runs", "চালানো কাজ"),
    "started": ("Started", "শুরু"),
    "job_queued": ("queued", "অপেক্ষমাণ"),
    "job_running": ("running", "চলছে"),
    "job_done": ("done", "শেষ"),
    "job_failed": ("failed", "ব্যর্থ"),
    "refresh": ("Refresh", "হালনাগাদ"),
    # my account
    "nav_account": ("My account", "আমার অ্যাকাউন্ট"),
    "account_title": ("My account", "আমার অ্যাকাউন্ট"),
    "password_change": ("Choose a new password", "নতুন পাসওয়ার্ড দিন"),
    "password_current": ("Current password", "বর্তমান পাসওয়ার্ড"),
    "password_new": ("New password (at least 10 characters)", "নতুন পাসওয়ার্ড (অন্তত ১০ অক্ষর)"),
    "password_repeat": ("New password again", "নতুন পাসওয়ার্ড আবার"),
    "password_mismatch": (
        "The two new passwords differ.",
        "দুটি নতুন পাসওয়ার্ড মেলেনি।",
    ),
    "password_wrong": ("The current password is wrong.", "বর্তমান পাসওয়ার্ড ভুল।"),
    "password_same": (
        "Choose a password different from the current one.",
        "বর্তমান পাসওয়ার্ড থেকে আলাদা একটি পাসওয়ার্ড দিন।",
    ),
    "password_changed": ("Password changed.", "পাসওয়ার্ড বদলানো হয়েছে।"),
    "password_must_change": (
        "An administrator set this password for you. Choose your own before you continue.",
        "একজন প্রশাসক এই পাসওয়ার্ড দিয়েছেন। এগিয়ে যাওয়ার আগে নিজের পাসওয়ার্ড দিন।",
    ),
    "own_tokens_help": (
        "API tokens for scripts and the API (Authorization: Bearer …). Each works for {days} days.",
        "স্ক্রিপ্ট ও এপিআই-এর জন্য টোকেন (Authorization: Bearer …)। প্রতিটি {days} দিন চলে।",
    ),
    "token_issue_own": ("Issue me a new API token", "আমাকে নতুন এপিআই টোকেন দিন"),
    "token_revoke_own": (
        "Revoke all my API tokens (and sign out my other sessions)",
        "আমার সব এপিআই টোকেন বাতিল করুন (অন্য সেশন থেকেও বের করুন)",
    ),
    "token_issued": ("Token issued.", "টোকেন দেওয়া হয়েছে।"),
    "token_expires": ("Works until", "চলবে যত দিন"),
    "no_tokens": ("You have no working API token.", "আপনার কোনো চালু এপিআই টোকেন নেই।"),
    "own_tokens_revoked": ("Your API tokens were revoked.", "আপনার এপিআই টোকেন বাতিল হয়েছে।"),
    "token_shown_once_own": (
        "Copy this API token now; it is shown only once. It works until",
        "এই এপিআই টোকেন এখনই কপি করুন; এটি একবারই দেখানো হবে। এটি চলবে:",
    ),
    # admin
    "admin_title": ("Administration", "প্রশাসন"),
    "users": ("Users", "ব্যবহারকারী"),
    "user_add": ("Add a user", "ব্যবহারকারী যোগ"),
    "active": ("Active", "সক্রিয়"),
    "tokens": ("API tokens", "এপিআই টোকেন"),
    "token_revoke": ("Revoke tokens", "টোকেন বাতিল"),
    "token_revoked": ("Token revoked", "টোকেন বাতিল হয়েছে"),
    "revoke_decision": ("Revoke a confirmation", "নিশ্চিতকরণ বাতিল"),
    "audit_title": ("Audit log", "নিরীক্ষা লগ"),
    "disabled": ("Disabled", "নিষ্ক্রিয়"),
    "locked": (
        "Sign-in slowed down (failed attempts)",
        "প্রবেশ ধীর করা হয়েছে (ভুল চেষ্টা)",
    ),
    "no_password": ("no web password", "ওয়েব পাসওয়ার্ড নেই"),
    "user_created": ("User created", "ব্যবহারকারী তৈরি হয়েছে"),
    "user_exists": ("That username is taken.", "এই নাম আগেই নেওয়া হয়েছে।"),
    "invalid_user": (
        "Usernames are 2-64 lower-case letters, digits, dots, dashes; pick a role.",
        "নাম ২-৬৪ অক্ষরের ছোট হাতের ইংরেজি অক্ষর, অঙ্ক, ডট বা ড্যাশ; একটি ভূমিকা বেছে নিন।",
    ),
    "user_add_help": (
        "A new user gets no token here: set them a one-time password below (they choose their "
        "own at first sign-in and then issue their own API tokens), or the operator runs "
        "shondhan users token --username NAME.",
        "নতুন ব্যবহারকারী এখানে টোকেন পান না: নিচে একটি এককালীন পাসওয়ার্ড দিন (প্রথম প্রবেশে "
        "তিনি নিজের পাসওয়ার্ড ও টোকেন নেবেন), অথবা অপারেটর চালাবেন shondhan users token "
        "--username NAME।",
    ),
    "users_help": (
        "Revoking tokens also signs the user out everywhere; disabling does both and blocks "
        "sign-in until re-enabled.",
        "টোকেন বাতিল করলে ব্যবহারকারী সব জায়গা থেকে বের হয়ে যান; নিষ্ক্রিয় করলে দুটোই হয় "
        "এবং আবার সক্রিয় না করা পর্যন্ত প্রবেশ বন্ধ থাকে।",
    ),
    "account_actions": ("Account", "অ্যাকাউন্ট"),
    "own_tokens_link": ("My password and API tokens", "আমার পাসওয়ার্ড ও এপিআই টোকেন"),
    "user_disable": ("Disable", "নিষ্ক্রিয় করুন"),
    "user_enable": ("Re-enable", "আবার সক্রিয় করুন"),
    "user_disabled": ("Account disabled", "অ্যাকাউন্ট নিষ্ক্রিয় হয়েছে"),
    "user_enabled": ("Account re-enabled", "অ্যাকাউন্ট আবার সক্রিয় হয়েছে"),
    "cannot_disable_self": (
        "You cannot disable your own account.",
        "নিজের অ্যাকাউন্ট নিষ্ক্রিয় করা যায় না।",
    ),
    "password_one_time": ("one-time password", "এককালীন পাসওয়ার্ড"),
    "password_one_time_set": ("One-time password", "এককালীন পাসওয়ার্ড"),
    "password_set": ("Set", "দিন"),
    "password_set_once": (
        "One-time password set: the user chooses their own when they sign in.",
        "এককালীন পাসওয়ার্ড দেওয়া হয়েছে: প্রবেশের সময় ব্যবহারকারী নিজের পাসওয়ার্ড দেবেন।",
    ),
    "decision_id": ("Decision id", "সিদ্ধান্ত নম্বর"),
    "decision_id_help": (
        "Decision ids are in the audit log (record: decision).",
        "সিদ্ধান্ত নম্বর নিরীক্ষা লগে পাবেন (রেকর্ড: decision)।",
    ),
    "decision_revoked": ("Decision revoked", "সিদ্ধান্ত প্রত্যাহার হয়েছে"),
    "reason_required": ("A reason is required.", "কারণ লিখতে হবে।"),
    "decision_not_revocable": (
        "Only the latest, unrevoked decision of a candidate can be revoked.",
        "শুধু সর্বশেষ, অপ্রত্যাহৃত সিদ্ধান্তই প্রত্যাহার করা যায়।",
    ),
    "audit_help": (
        "Newest first. Reading this log is itself logged.",
        "নতুনগুলো আগে। এই লগ পড়াও লগে লেখা হয়।",
    ),
    "audit_export": ("Download as CSV (these filters)", "সিএসভি নামান (এই ছাঁকনিতে)"),
    "audit_details": ("Details", "বিস্তারিত"),
    "decided_by": ("by", "সিদ্ধান্ত দিয়েছেন"),
    "older": ("Older", "পুরোনো"),
    "when": ("When", "কখন"),
    "who": ("Who", "কে"),
    "action": ("Action", "কাজ"),
    "record": ("Record", "রেকর্ড"),
    "created": ("Created", "তৈরি"),
    "id": ("Id", "নম্বর"),
    "previous": ("Previous", "আগের"),
    "next": ("Next", "পরের"),
    "service_unavailable": (
        "This part of the service is not available yet.",
        "সেবার এই অংশ এখনো চালু হয়নি।",
    ),
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_BN = (
    "জানুয়ারি",
    "ফেব্রুয়ারি",
    "মার্চ",
    "এপ্রিল",
    "মে",
    "জুন",
    "জুলাই",
    "আগস্ট",
    "সেপ্টেম্বর",
    "অক্টোবর",
    "নভেম্বর",
    "ডিসেম্বর",
)
_BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def translate(key: str, lang: Lang | str = Lang.EN, **values: object) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    text = pair[1] if parse_lang(str(lang)) is Lang.BN else pair[0]
    if values:
        shown = {k: localise_digits(str(v), lang) for k, v in values.items()}
        try:
            return text.format(**shown)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def localise_digits(text: str, lang: Lang | str) -> str:
    """Western digits in ``text`` as Bangla digits when ``lang`` is Bangla."""
    return text.translate(_BN_DIGITS) if parse_lang(str(lang)) is Lang.BN else text


def format_date(value: date | datetime | str | None, lang: Lang | str = Lang.EN) -> str:
    """``12 Mar 2025`` (or ``১২ মার্চ ২০২৫``); ISO strings are accepted; "" for None/garbage."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return ""
    day = value.date() if isinstance(value, datetime) else value
    months = _MONTHS_BN if parse_lang(str(lang)) is Lang.BN else _MONTHS_EN
    text = f"{day.day} {months[day.month - 1]} {day.year:04d}"
    return localise_digits(text, lang)


def format_datetime(value: datetime | str | None, lang: Lang | str = Lang.EN) -> str:
    """``12 Mar 2025 14:05 UTC`` for audit lines; "" for None/garbage."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return ""
    text = f"{format_date(value, lang)} {value:%H:%M}"
    return localise_digits(text, lang) + " UTC"
