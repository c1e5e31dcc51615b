"""moto, with the aws:SecureTransport condition evaluated as AWS does for requests over TLS.

moto's condition check matches a `Bool` condition whatever its value, so the state bucket's
TLS-only statement (Deny when aws:SecureTransport is "false") denies every object write once
kopsmith has hardened the bucket. In AWS that statement does not apply to the SDK's requests,
which use TLS. This wrapper starts moto's server with exactly that difference, for the end-to-end
tests of `cluster create --yes`: a statement whose only condition is aws:SecureTransport applies
only when its value is "true". Every other statement is evaluated by moto as shipped.

It also gives Route53's CreateHostedZone AWS's idempotency: a CallerReference that created a zone
before (even one deleted since) is refused with HostedZoneAlreadyExists (HTTP 409), atomically, as
Route53 does; moto as shipped creates a second zone of the same name, which parallel runs sharing a
zone would trip over where AWS would not.
"""
import sys
import threading

from moto.iam import access_control
from moto.iam.access_control import PermissionResult

_is_action_permitted = access_control.IAMPolicyStatement.is_action_permitted


def _applies_over_tls(condition):
    """True/False for a statement conditioned on aws:SecureTransport alone; None for anything else."""
    if not isinstance(condition, dict) or set(condition) != {"Bool"} or set(condition["Bool"]) != {"aws:SecureTransport"}:
        return None
    wanted = condition["Bool"]["aws:SecureTransport"]
    wanted = wanted if isinstance(wanted, list) else [wanted]
    return "true" in [str(w).lower() for w in wanted]


def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    if _applies_over_tls(self._statement.get("Condition")) is False:
        return PermissionResult.NEUTRAL
    return _is_action_permitted(self, action, resource, principal, incoming_condition_values)


access_control.IAMPolicyStatement.is_action_permitted = is_action_permitted

from moto.route53.exceptions import Route53ClientError
from moto.route53.models import Route53Backend


class HostedZoneAlreadyExists(Route53ClientError):
    def __init__(self):
        super().__init__("HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference.")


_create_hosted_zone = Route53Backend.create_hosted_zone
_create_lock = threading.Lock()
_used_references = set()


def create_hosted_zone(self, name, private_zone, caller_reference=None, *args, **kwargs):
    with _create_lock:
        key = (self.account_id, caller_reference)
        if caller_reference and key in _used_references:
            raise HostedZoneAlreadyExists()
        zone = _create_hosted_zone(self, name, private_zone, caller_reference, *args, **kwargs)
        if caller_reference:
            _used_references.add(key)
        return zone


Route53Backend.create_hosted_zone = create_hosted_zone

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
