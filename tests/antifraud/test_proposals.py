"""Rule set versions, maker-checker proposals and shadow rules, against PostgreSQL and Redis."""

import copy

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from antifraud.errors import NothingToChange, ProposalClosed, ProposalOutdated, SelfApproval
from antifraud.models import FraudDecision, FraudRule, ProposalStatus, RuleProposal, RuleSetVersion
from antifraud.rule_documents import live_document, to_yaml
from antifraud.services.decisions import decide_transaction
from antifraud.services.proposals import approve_proposal, propose_rules, reject_proposal
from antifraud.services.rule_sets import save_rule
from audit.models import AuditEntry
from eventbus.models import OutboxEvent


@pytest.fixture
def live_rules(rule, thresholds):
    rule("large", "amount_above", 30, thresholds={"USD": 10000})
    rule("card_velocity", "velocity", 45, key="card", measure="count", window_seconds=60, limit=3)
    return live_document()


def _with_score(document: dict, name: str, score: int) -> dict:
    changed = copy.deepcopy(document)
    next(item for item in changed["rules"] if item["name"] == name)["score"] = score
    return changed


def test_every_change_to_the_rule_set_is_a_numbered_version(rule, thresholds):
    rule("large", "amount_above", 30, thresholds={"USD": 10000})
    rule("small", "amount_above", 10, thresholds={"USD": 100})

    versions = list(RuleSetVersion.objects.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert [r["name"] for r in versions[1].document["rules"]] == ["large", "small"]
    # The fixture's thresholds were created without the service: the next change takes them in.
    large = FraudRule.objects.get(name="large")
    large.score = 35
    save_rule(rule=large, actor="rita")
    assert RuleSetVersion.objects.get(number=3).document["thresholds"] == {"review_at": 50, "decline_at": 80}
    save_rule(rule=large, actor="rita")  # no change, no version
    assert RuleSetVersion.objects.count() == 3


def test_a_proposal_goes_live_only_when_another_risk_admin_approves(live_rules):
    before = RuleSetVersion.objects.latest("number").number
    proposal = propose_rules(document=_with_score(live_rules, "large", 70), actor="maker", reason="too lenient")

    assert FraudRule.objects.get(name="large").score == 30  # not live yet
    version = approve_proposal(proposal_id=proposal.pk, actor="checker", note="agreed")

    assert FraudRule.objects.get(name="large").score == 70
    assert version.number == before + 1
    assert (version.published_by, version.approved_by) == ("maker", "checker")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.published_version) == ("approved", "checker", version)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor"))
    assert ("ruleproposal.add", "maker") in actions and ("ruleproposal.approve", "checker") in actions
    assert ("fraudrule.change", "checker") in actions and ("rulesetversion.publish", "checker") in actions


def test_nobody_approves_their_own_proposal(live_rules):
    proposal = propose_rules(document=_with_score(live_rules, "large", 70), actor="maker", reason="stricter")

    with pytest.raises(SelfApproval):
        approve_proposal(proposal_id=proposal.pk, actor="maker")

    assert FraudRule.objects.get(name="large").score == 30
    assert RuleProposal.objects.get().status == ProposalStatus.PROPOSED


def test_a_proposal_made_on_an_older_version_must_be_made_again(live_rules):
    first = propose_rules(document=_with_score(live_rules, "large", 70), actor="maker", reason="stricter")
    second = propose_rules(document=_with_score(live_rules, "card_velocity", 10), actor="other", reason="softer")
    approve_proposal(proposal_id=second.pk, actor="checker")

    with pytest.raises(ProposalOutdated):
        approve_proposal(proposal_id=first.pk, actor="checker")
    # Approving the first would have undone the second: the live rules keep the second's change.
    assert FraudRule.objects.get(name="card_velocity").score == 10
    assert FraudRule.objects.get(name="large").score == 30


def test_a_rule_left_out_of_an_approved_proposal_is_removed(live_rules):
    document = copy.deepcopy(live_rules)
    document["rules"] = [item for item in document["rules"] if item["name"] != "card_velocity"]
    proposal = propose_rules(document=document, actor="maker", reason="retire it")
    approve_proposal(proposal_id=proposal.pk, actor="checker")

    assert list(FraudRule.objects.values_list("name", flat=True)) == ["large"]


def test_a_proposal_can_make_a_rule_always_review_and_an_unknown_action_is_refused(live_rules):
    document = copy.deepcopy(live_rules)
    next(item for item in document["rules"] if item["name"] == "large")["action"] = "review"
    approve_proposal(proposal_id=propose_rules(document=document, actor="maker", reason="KYC").pk, actor="checker")

    assert FraudRule.objects.get(name="large").action == "review"
    assert live_document() == document  # the action is part of the versioned document
    next(item for item in document["rules"] if item["name"] == "large")["action"] = "freeze"
    with pytest.raises(ValidationError, match="action"):
        propose_rules(document=document, actor="maker", reason="typo")


def test_an_invalid_rule_set_is_refused_with_every_problem_listed(live_rules):
    document = copy.deepcopy(live_rules)
    document["rules"][0]["score"] = 300
    document["rules"].append({"name": "odd", "type": "velocity", "score": 5, "parameters": {"key": "moon"}})
    document["rules"].append({"name": "odd", "type": "amount_above", "score": 5, "parameters": {}})
    document["thresholds"] = {"review_at": 90, "decline_at": 10}

    with pytest.raises(ValidationError) as caught:
        propose_rules(document=document, actor="maker", reason="typos")

    text = "\n".join(caught.value.messages)
    assert "score" in text and "key must be one of" in text and "'odd' appears twice" in text
    assert "review_at must not be above decline_at" in text
    assert not RuleProposal.objects.exists()


def test_proposing_the_live_rule_set_or_without_a_reason_is_refused(live_rules):
    with pytest.raises(NothingToChange):
        propose_rules(document=live_rules, actor="maker", reason="nothing")
    with pytest.raises(Exception, match="reason"):
        propose_rules(document=_with_score(live_rules, "large", 70), actor="maker", reason="  ")


def test_rejecting_needs_a_reason_withdrawing_does_not_and_a_closed_proposal_stays_closed(live_rules):
    rejected = propose_rules(document=_with_score(live_rules, "large", 70), actor="maker", reason="stricter")
    with pytest.raises(Exception, match="why"):
        reject_proposal(proposal_id=rejected.pk, actor="checker", note="")
    reject_proposal(proposal_id=rejected.pk, actor="checker", note="too strict for December")
    withdrawn = propose_rules(document=_with_score(live_rules, "large", 60), actor="maker", reason="softer")
    reject_proposal(proposal_id=withdrawn.pk, actor="maker", note="")

    assert RuleProposal.objects.get(pk=rejected.pk).status == ProposalStatus.REJECTED
    assert RuleProposal.objects.get(pk=withdrawn.pk).status == ProposalStatus.WITHDRAWN
    with pytest.raises(ProposalClosed):
        approve_proposal(proposal_id=rejected.pk, actor="checker")
    assert FraudRule.objects.get(name="large").score == 30


def test_decisions_name_the_rule_set_version_they_ran_under(live_rules, make_payment):
    first = decide_transaction(transaction_id=make_payment(amount="150.00").id)
    proposal = propose_rules(document=_with_score(live_rules, "large", 70), actor="maker", reason="stricter")
    version = approve_proposal(proposal_id=proposal.pk, actor="checker")
    second = decide_transaction(transaction_id=make_payment(amount="150.00").id)

    assert first.rules_version == version.number - 1 and first.score == 30
    assert second.rules_version == version.number and second.score == 70
    event = OutboxEvent.objects.filter(event_type="antifraud.decision", key=str(second.transaction_id)).get()
    assert event.envelope["data"]["rules_version"] == version.number


def test_a_shadow_rule_is_recorded_on_the_decision_but_not_counted(rule, thresholds, make_payment):
    rule("large", "amount_above", 30, thresholds={"USD": 10000})
    shadow = FraudRule(name="huge_shadow", rule_type="amount_above", score=100, parameters={"thresholds": {"USD": 100}})
    shadow.mode = "shadow"
    save_rule(rule=shadow, actor="rita")

    decision = decide_transaction(transaction_id=make_payment(amount="150.00").id)

    assert (decision.score, decision.outcome) == (30, "approve")
    assert [r["rule"] for r in decision.fired_rules] == ["large"]
    assert decision.shadow_rules == [
        {"rule": "huge_shadow", "type": "amount_above", "score": 100, "observed": "amount 150.00 USD above 1.00 USD"}
    ]
    event = OutboxEvent.objects.filter(event_type="antifraud.decision", key=str(decision.transaction_id)).get()
    assert [r["rule"] for r in event.envelope["data"]["shadow_rules"]] == ["huge_shadow"]


def test_loading_the_rules_file_is_one_version_and_loading_it_again_is_none(db, tmp_path):
    call_command("load_fraud_rules", verbosity=0)
    call_command("load_fraud_rules", verbosity=0)
    assert RuleSetVersion.objects.count() == 1
    assert RuleSetVersion.objects.get().published_by == "manage.py load_fraud_rules"

    broken = tmp_path / "rules.yaml"
    broken.write_text("rules:\n  - {name: x, type: velocity, score: 10, parameters: {key: card}}\n")
    with pytest.raises(CommandError, match="window_seconds"):
        call_command("load_fraud_rules", str(broken))
    assert not FraudRule.objects.filter(name="x").exists()


# --- the console ----------------------------------------------------------------------------------


def _risk_admin(name: str) -> Client:
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Risk admin"))
    client = Client()
    client.force_login(user)
    return client


def test_with_maker_checker_rules_change_in_the_console_only_through_an_approved_proposal(live_rules, settings):
    settings.FRAUD_RULES_MAKER_CHECKER = True
    maker, checker = _risk_admin("maria"), _risk_admin("chen")
    large = FraudRule.objects.get(name="large")

    assert maker.get(f"/admin/antifraud/fraudrule/{large.pk}/change/").status_code == 200  # read-only
    assert maker.post(f"/admin/antifraud/fraudrule/{large.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "a proposal" in maker.get("/admin/antifraud/fraudrule/").content.decode()

    form = maker.get("/admin/antifraud/ruleproposal/add/").content.decode()
    assert "card_velocity" in form  # the form starts from the live rule set
    broken = maker.post("/admin/antifraud/ruleproposal/add/", {"reason": "x", "rules": "rules: [{name: a}]"})
    assert broken.status_code == 200 and "rule &#x27;a&#x27;" in broken.content.decode()
    response = maker.post(
        "/admin/antifraud/ruleproposal/add/",
        {"reason": "stricter on large payments", "rules": to_yaml(_with_score(live_rules, "large", 70))},
    )
    proposal = RuleProposal.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/ruleproposal/{proposal.pk}/change/")

    own_page = maker.get(f"/admin/antifraud/ruleproposal/{proposal.pk}/change/").content.decode()
    assert "Approve and publish" not in own_page and "Withdraw" in own_page
    assert "changed rule large" in own_page
    maker.post(f"/admin/antifraud/ruleproposal/{proposal.pk}/change/", {"action": "approve"})  # forced
    assert FraudRule.objects.get(name="large").score == 30

    page = checker.get(f"/admin/antifraud/ruleproposal/{proposal.pk}/change/").content.decode()
    assert "Approve and publish" in page
    checker.post(f"/admin/antifraud/ruleproposal/{proposal.pk}/change/", {"action": "approve", "note": "ok"})
    assert FraudRule.objects.get(name="large").score == 70
    assert RuleProposal.objects.get().status == ProposalStatus.APPROVED


def test_an_analyst_reads_proposals_and_versions_but_cannot_propose_or_decide(live_rules, settings):
    settings.FRAUD_RULES_MAKER_CHECKER = True
    proposal = propose_rules(document=_with_score(live_rules, "large", 70), actor="maria", reason="stricter")
    user = User.objects.create_user("ann", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Fraud analyst"))
    analyst = Client()
    analyst.force_login(user)

    assert analyst.get("/admin/antifraud/rulesetversion/").status_code == 200
    page = analyst.get(f"/admin/antifraud/ruleproposal/{proposal.pk}/change/").content.decode()
    assert "Approve and publish" not in page
    assert analyst.get("/admin/antifraud/ruleproposal/add/").status_code == 403
    analyst.post(f"/admin/antifraud/ruleproposal/{proposal.pk}/change/", {"action": "approve"})
    assert RuleProposal.objects.get().status == ProposalStatus.PROPOSED


def test_the_payment_page_shows_the_version_and_shadow_rules(admin_client, rule, thresholds, make_payment):
    shadow = FraudRule(name="watch_big", rule_type="amount_above", score=40, parameters={"thresholds": {"USD": 100}})
    shadow.mode = "shadow"
    save_rule(rule=shadow, actor="rita")
    decision = decide_transaction(transaction_id=make_payment(amount="150.00").id)

    page = admin_client.get(f"/admin/antifraud/reviewqueueitem/{decision.transaction_id}/change/").content.decode()
    assert f"version {decision.rules_version}" in page
    assert "watch_big" in page and "Shadow rules" in page
    assert FraudDecision.objects.get().shadow_rules[0]["rule"] == "watch_big"


def test_the_analytics_page_shows_how_often_each_shadow_rule_would_have_fired(
    admin_client, rule, thresholds, make_payment
):
    rule("large", "amount_above", 60, thresholds={"USD": 10000})
    shadow = FraudRule(name="watch_big", rule_type="amount_above", score=40, parameters={"thresholds": {"USD": 5000}})
    shadow.mode = "shadow"
    save_rule(rule=shadow, actor="rita")
    for amount in ("10.00", "60.00", "150.00", "200.00"):
        decide_transaction(transaction_id=make_payment(amount=amount).id)

    page = admin_client.get("/admin/analytics/").content.decode()

    table = page[page.index('id="shadow-rules"') :]
    # Fired on 60.00 (approved), 150.00 and 200.00 (review: 60 from "large"); not on 10.00.
    assert "<td>watch_big</td><td>3</td><td>1</td><td>2</td><td>0</td>" in table
