"""credentials.py: static credentials never change; `with_renewal` sends once more only when
the answer is a refusal and the source has fresh credentials."""

from __future__ import annotations

from publish_action.credentials import StaticCredentials, with_renewal
from publish_action.settings import Credentials

OLD = Credentials("__token__", "pypi-old")
NEW = Credentials("__token__", "pypi-new")


class Renewing:
    def __init__(self, first: Credentials | None, renewed: Credentials | None) -> None:
        self.held, self.renewed, self.renewals = first, renewed, 0

    def current(self) -> Credentials | None:
        return self.held

    def renew(self) -> Credentials | None:
        self.renewals += 1
        self.held = self.renewed
        return self.renewed

    def describe(self) -> str:
        return "renewing credentials"


class Sender:
    """Records what each request was sent with; answers 403 to the credentials it refuses."""

    def __init__(self, *refused: Credentials | None) -> None:
        self.refused = refused
        self.sent: list[Credentials | None] = []

    def __call__(self, credentials: Credentials | None) -> int:
        self.sent.append(credentials)
        return 403 if credentials in self.refused else 200


def test_static_credentials_are_the_same_before_and_after_renewal() -> None:
    assert StaticCredentials(OLD).current() is OLD
    assert StaticCredentials(OLD).renew() is OLD
    assert StaticCredentials(None).current() is None and StaticCredentials(None).renew() is None


def test_an_accepted_answer_is_not_sent_again() -> None:
    send, source = Sender(), Renewing(OLD, NEW)
    answer, renewed = with_renewal(source, send, lambda a: a == 403)
    assert (answer, renewed, send.sent, source.renewals) == (200, False, [OLD], 0)


def test_a_refusal_is_sent_once_more_with_the_renewed_credentials() -> None:
    send, source = Sender(OLD), Renewing(OLD, NEW)
    answer, renewed = with_renewal(source, send, lambda a: a == 403)
    assert (answer, renewed, send.sent, source.renewals) == (200, True, [OLD, NEW], 1)


def test_a_refusal_is_final_when_renewal_gives_nothing_new() -> None:
    for renewed_to in (OLD, None):
        send, source = Sender(OLD), Renewing(OLD, renewed_to)
        answer, renewed = with_renewal(source, send, lambda a: a == 403)
        assert (answer, renewed, send.sent, source.renewals) == (403, False, [OLD], 1)


def test_without_credentials_a_refusal_asks_for_no_renewal() -> None:
    send, source = Sender(None), Renewing(None, NEW)
    answer, renewed = with_renewal(source, send, lambda a: a == 403)
    assert (answer, renewed, send.sent, source.renewals) == (403, False, [None], 0)


def test_static_credentials_describe_who_is_sent_never_the_secret() -> None:
    assert StaticCredentials(Credentials("alice", "pw-1")).describe() == "user 'alice'"
    assert StaticCredentials(None).describe() == "no credentials"
    token_user = StaticCredentials(Credentials("push-token-123", ""))
    assert "push-token-123" not in token_user.describe()
    assert token_user.describe() == "a token given as the user name"
