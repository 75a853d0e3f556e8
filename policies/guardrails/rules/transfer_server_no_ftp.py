"""AWS Transfer Family servers do not offer plain FTP (post 000#16: partners upload batch files over SFTP)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    TransferServerFacts,
    Verdict,
    compliant,
    first_unknown,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import config, security_hub


def evaluate(server: TransferServerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    protocols = server.protocols
    if is_unknown(protocols):
        return unknown(protocols)
    if protocols is None:
        return compliant("protocols not set: Transfer's default is SFTP only")
    if "FTP" in protocols:
        return non_compliant("protocols include FTP, which sends partners' passwords and files in clear text; "
                             "remove it (use SFTP, or FTPS with a certificate)")
    missing = first_unknown(*protocols)
    if missing is not None:
        return unknown(missing)
    return compliant(", ".join(str(p) for p in protocols))


RULE = Rule(
    id="transfer-server-no-ftp",
    title="AWS Transfer Family servers do not use plain FTP",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.TRANSFER_SERVER,),
    evaluate=evaluate,
    rationale="FTP authenticates and transfers in clear text: anyone on the path reads a partner's credentials "
              "and business documents.",
    remediation="Set protocols to [\"SFTP\"] (components/governed/transfer.py does), or FTPS with an ACM "
                "certificate where a partner cannot use SSH.",
    references=(config("TRANSFER_FAMILY_SERVER_NO_FTP"), security_hub("Transfer.2")),
)
