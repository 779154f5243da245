"""The directory checks that named staff and grid workers exist in the user pool: the functions
know the pool's id, and only the API function may look users up."""

from __future__ import annotations

from infra.stacks.fanglin_stack import ACCESS, API_HANDLER, FUNCTIONS
from tests.infra.conftest import Synthesized
from tests.infra.helpers import as_list
from tests.infra.test_stack import chalice_functions, function_role, statements_of_role

LOOKUP = "cognito-idp:AdminGetUser"


def test_functions_know_the_user_pool(synthesized: Synthesized) -> None:
    pool_id = synthesized.logical_id(synthesized.stack.user_pool)
    for function in chalice_functions(synthesized).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["USER_POOL_ID"] == {"Ref": pool_id}


def test_only_the_api_looks_users_up_and_only_in_its_pool(synthesized: Synthesized) -> None:
    pool_arn = {"Fn::GetAtt": [synthesized.logical_id(synthesized.stack.user_pool), "Arn"]}
    assert ACCESS[API_HANDLER].read_users
    for name in FUNCTIONS:
        statements = statements_of_role(synthesized, function_role(synthesized, name))
        lookups = [s for s in statements if LOOKUP in as_list(s["Action"])]
        assert bool(lookups) is (name == API_HANDLER), name
        for statement in lookups:
            assert as_list(statement["Action"]) == [LOOKUP]
            assert as_list(statement["Resource"]) == [pool_arn]
        assert not [a for s in statements for a in as_list(s["Action"])
                    if a.startswith("cognito-idp:") and a != LOOKUP]
