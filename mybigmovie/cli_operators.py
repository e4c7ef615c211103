"""``mybigmovie operators``: who may use the operator page (/ops), granted and revoked as events.

    mybigmovie operators                    # every operator
    mybigmovie operators grant EMAIL        # a member with a confirmed address
    mybigmovie operators revoke EMAIL
"""
from __future__ import annotations

import argparse
import sys
import uuid

from commands.messages import SetOperatorRole
from mybigmovie.bootstrap import Services


def register(subparsers) -> None:
    parser = subparsers.add_parser("operators", help="who may use the operator page (grant, revoke)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=run_list)
    actions = parser.add_subparsers(dest="action", metavar="[ACTION]")
    for name, operator in (("grant", True), ("revoke", False)):
        action = actions.add_parser(name, help=f"{name} the operator role")
        action.add_argument("email", help="the member's e-mail address")
        action.set_defaults(handler=run_set, operator=operator)


async def run_list(args, services: Services) -> int:
    operators = await services.reads.operators()
    for member in operators:
        print(f"{member.email}  {member.display_name}  {member.user_id}")
    if not operators:
        print("No operators yet: mybigmovie operators grant EMAIL")
    return 0


async def run_set(args, services: Services) -> int:
    credentials = await services.reads.credentials(args.email)
    if credentials is None:
        print(f"mybigmovie: no member has the address {args.email}", file=sys.stderr)
        return 1
    await services.handlers.handle(SetOperatorRole(command_id=uuid.uuid4().hex, user_id=credentials.user_id,
                                                   operator=args.operator))
    print(f"{credentials.email} {'is now' if args.operator else 'is no longer'} an operator "
          f"(the page is {services.settings.site_url}/ops)")
    return 0
