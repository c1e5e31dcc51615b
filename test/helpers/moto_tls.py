"""moto, with the aws:SecureTransport condition evaluated as AWS does for requests over TLS.

moto's condition check matches a `Bool` condition whatever its value, so the state bucket's
TLS-only statement (Deny when aws:SecureTransport is "false") denies every object write once
kopsmith has hardened the bucket. In AWS that statement does not apply to the SDK's requests,
which use TLS. This wrapper starts moto's server with exactly that difference, for the end-to-end
tests of `cluster create --yes`: a statement whose only condition is aws:SecureTransport applies
only when its value is "true". Every other statement is evaluated by moto as shipped.
"""
import sys

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

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
